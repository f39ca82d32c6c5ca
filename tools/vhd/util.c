// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the vhd subcommands. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhd.h"

int parse_size(const char *s, u64 *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'B':
		end++;
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	default:
		return -1;
	}
	if (shift) {
		end++;
		if (!strcasecmp(end, "iB") || !strcasecmp(end, "B"))
			end += strlen(end);
	}
	if (*end || v > (~0ULL >> shift))
		return -1;
	*out = (u64)v << shift;
	return 0;
}

int parse_size_rule(const char *s, u32 *rule)
{
	if (!strcmp(s, "auto"))
		*rule = VHD_SIZE_AUTO;
	else if (!strcmp(s, "current"))
		*rule = VHD_SIZE_CURRENT;
	else if (!strcmp(s, "chs"))
		*rule = VHD_SIZE_CHS;
	else
		return -1;
	return 0;
}


void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void code_str(const u8 *c4, char out[5])
{
	int i;

	for (i = 0; i < 4; i++)
		out[i] = isprint(c4[i]) ? (char)c4[i] : '.';
	out[4] = '\0';
}

void code32_str(u32 code, char out[5])
{
	u8 b[4];

	vhd_put_be32(b, code);
	code_str(b, out);
}

bool all_zero(const void *buf, size_t len)
{
	const u8 *p = buf;

	return !len || (!p[0] && !memcmp(p, p + 1, len - 1));
}
