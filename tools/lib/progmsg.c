// SPDX-License-Identifier: GPL-2.0
/* Messages prefixed with the program's name (progmsg.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progmsg.h"

void vwarn_head(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
}

void warnx_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_head(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void warn_(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_head(fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		warnx_("out of memory");
		exit(1);
	}
	return s;
}
