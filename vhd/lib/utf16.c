// SPDX-License-Identifier: GPL-2.0
/*
 * Strict UTF-16 <-> UTF-8 for parent names (UTF-16BE) and Windows locators
 * (UTF-16LE). Lone surrogates, U+0000 and malformed UTF-8 are rejected so a
 * path can never be cut short or smuggle bytes.
 */
#include "vhd_format.h"

static u32 vhd_u16(const u8 *p, bool big_endian)
{
	return big_endian ? vhd_get_be16(p) : vhd_get_le16(p);
}

static size_t vhd_utf8_len(u32 c)
{
	if (c < 0x80)
		return 1;
	if (c < 0x800)
		return 2;
	if (c < 0x10000)
		return 3;
	return 4;
}

static void vhd_utf8_put(char *out, u32 c, size_t n)
{
	static const u8 lead[5] = { 0, 0, 0xC0, 0xE0, 0xF0 };
	size_t k;

	if (n == 1) {
		out[0] = (char)c;
		return;
	}
	for (k = n - 1; k > 0; k--) {
		out[k] = (char)(0x80 | (c & 0x3F));
		c >>= 6;
	}
	out[0] = (char)(lead[n] | c);
}

/* @out may be NULL to only validate and measure. */
int vhd_utf16_to_utf8(const u8 *in, size_t inlen, bool big_endian,
		      char *out, size_t outsz, size_t *outlen)
{
	size_t i = 0, o = 0, n;
	u32 c, c2;

	if (!in && inlen)
		return -VHD_E_INVAL;
	if (inlen & 1)
		return -VHD_E_UTF16;
	while (i < inlen) {
		c = vhd_u16(in + i, big_endian);
		i += 2;
		if (c >= 0xD800 && c <= 0xDBFF) {
			if (i >= inlen)
				return -VHD_E_UTF16;
			c2 = vhd_u16(in + i, big_endian);
			if (c2 < 0xDC00 || c2 > 0xDFFF)
				return -VHD_E_UTF16;
			i += 2;
			c = 0x10000 + ((c - 0xD800) << 10) + (c2 - 0xDC00);
		} else if ((c >= 0xDC00 && c <= 0xDFFF) || !c) {
			return -VHD_E_UTF16;
		}
		n = vhd_utf8_len(c);
		if (out) {
			if (o + n >= outsz)
				return -VHD_E_NAME_TOO_LONG;
			vhd_utf8_put(out + o, c, n);
		}
		o += n;
	}
	if (out) {
		if (o >= outsz)
			return -VHD_E_NAME_TOO_LONG;
		out[o] = '\0';
	}
	if (outlen)
		*outlen = o;
	return 0;
}

/* Next code point of a strict UTF-8 string, or a negative error. */
static int vhd_utf8_next(const u8 *s, size_t len, size_t *pos, u32 *cp)
{
	size_t i = *pos, n, k;
	u32 c = s[i];

	if (c < 0x80) {
		n = 1;
	} else if ((c & 0xE0) == 0xC0) {
		n = 2;
		c &= 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3;
		c &= 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4;
		c &= 0x07;
	} else {
		return -VHD_E_UTF8;
	}
	if (len - i < n)
		return -VHD_E_UTF8;
	for (k = 1; k < n; k++) {
		if ((s[i + k] & 0xC0) != 0x80)
			return -VHD_E_UTF8;
		c = (c << 6) | (s[i + k] & 0x3F);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF, NUL. */
	if (n != vhd_utf8_len(c) || (c >= 0xD800 && c <= 0xDFFF) ||
	    c > 0x10FFFF || !c)
		return -VHD_E_UTF8;
	*pos = i + n;
	*cp = c;
	return 0;
}

int vhd_utf8_to_utf16(const char *in, size_t inlen, bool big_endian,
		      u8 *out, size_t outsz, size_t *outlen)
{
	const u8 *s = (const u8 *)in;
	size_t i = 0, o = 0, n;
	u32 c, units[2];
	int ret;

	if (!in && inlen)
		return -VHD_E_INVAL;
	while (i < inlen) {
		ret = vhd_utf8_next(s, inlen, &i, &c);
		if (ret)
			return ret;
		if (c >= 0x10000) {
			c -= 0x10000;
			units[0] = 0xD800 | (c >> 10);
			units[1] = 0xDC00 | (c & 0x3FF);
			n = 2;
		} else {
			units[0] = c;
			n = 1;
		}
		if (out) {
			if (o + 2 * n > outsz)
				return -VHD_E_NAME_TOO_LONG;
			if (big_endian) {
				vhd_put_be16(out + o, (u16)units[0]);
				if (n == 2)
					vhd_put_be16(out + o + 2, (u16)units[1]);
			} else {
				vhd_put_le16(out + o, (u16)units[0]);
				if (n == 2)
					vhd_put_le16(out + o + 2, (u16)units[1]);
			}
		}
		o += 2 * n;
	}
	if (outlen)
		*outlen = o;
	return 0;
}

/* Validate UTF-8 (used for MacX locators). */
int vhd_utf8_check(const char *in, size_t inlen)
{
	const u8 *s = (const u8 *)in;
	size_t i = 0;
	u32 c;
	int ret;

	while (i < inlen) {
		ret = vhd_utf8_next(s, inlen, &i, &c);
		if (ret)
			return ret;
	}
	return 0;
}
