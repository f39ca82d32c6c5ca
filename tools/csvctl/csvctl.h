/* SPDX-License-Identifier: GPL-2.0 */
/*
 * csvctl: the parts shared between the online commands (csvctl.c, ioctls
 * to /dev/csv-control) and the offline ones (offline.c: format, inspect).
 */
#ifndef CSVCTL_H
#define CSVCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "progmsg.h"

#define CSVCTL_ATTR(x)		__attribute__(x)
#define __printf(a, b)		CSVCTL_ATTR((format(printf, a, b)))
#define ARRAY_SIZE(x)		(sizeof(x) / sizeof((x)[0]))

/* "csvctl: WHAT: strerror(err) (ENAME)\n" on stderr; err > 0. */
void op_err(int err, const char *fmt, ...) __printf(2, 3);
const char *errname(int err);

int parse_size(const char *s, uint64_t *out);

int cmd_format(int argc, char **argv);
int cmd_inspect(int argc, char **argv);

#endif /* CSVCTL_H */
