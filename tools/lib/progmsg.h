/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Messages on stderr prefixed with the program's name, shared by the
 * tools. Each program defines progname ("vhd", "vhdsetup", ...).
 */
#ifndef PROGMSG_H
#define PROGMSG_H

#include <stdarg.h>

/* Spelled through a macro argument: checkpatch wants the kernel's __printf. */
#define PROGMSG_ATTR(x)		__attribute__(x)

extern const char *progname;

/* "PROGNAME: MSG" on stderr, no newline: the caller ends the line. */
void vwarn_head(const char *fmt, va_list ap) PROGMSG_ATTR((format(printf, 1, 0)));
/* "PROGNAME: MSG\n" on stderr. */
void warnx_(const char *fmt, ...) PROGMSG_ATTR((format(printf, 1, 2)));
/* "PROGNAME: MSG: strerror(err)\n" on stderr; err > 0. */
void warn_(int err, const char *fmt, ...) PROGMSG_ATTR((format(printf, 2, 3)));
/* vasprintf(), or "PROGNAME: out of memory" and exit(1). */
char *xasprintf(const char *fmt, ...) PROGMSG_ATTR((format(printf, 1, 2)));

#endif /* PROGMSG_H */
