// SPDX-License-Identifier: GPL-2.0
/*
 * Parent locators: W2ku (absolute) and W2ru (relative, ".\" first) hold
 * Windows paths in UTF-16LE without terminator; MacX holds a UTF-8 file URL.
 */
#include "vhd_format.h"

u64 vhd_locator_end(const struct vhd_locator *loc)
{
	u64 len = ((u64)loc->data_length + VHD_SECTOR_SIZE - 1) &
		  ~(u64)(VHD_SECTOR_SIZE - 1);

	return loc->data_offset + len;
}

int vhd_locator_decode(const struct vhd_locator *loc, const void *data,
		       char *out, size_t outsz)
{
	const u8 *p = data;
	size_t len;
	int ret;

	if (!loc || !data || !out || !outsz)
		return -VHD_E_INVAL;
	len = loc->data_length;
	if (len > VHD_MAX_LOCATOR_LEN)
		return -VHD_E_LOCATOR;

	switch (loc->code) {
	case VHD_PLAT_W2KU:
	case VHD_PLAT_W2RU:
		/* Some writers add a terminator: drop trailing NULs. */
		while (len >= 2 && !p[len - 1] && !p[len - 2])
			len -= 2;
		return vhd_utf16_to_utf8(p, len, false, out, outsz, NULL);
	case VHD_PLAT_MACX:
		while (len && !p[len - 1])
			len--;
		ret = vhd_utf8_check((const char *)p, len);
		if (ret)
			return ret;
		if (len >= outsz)
			return -VHD_E_NAME_TOO_LONG;
		memcpy(out, p, len);
		out[len] = '\0';
		return 0;
	default:
		return -VHD_E_LOCATOR;
	}
}

int vhd_locator_encode(u32 code, const char *utf8, void *out, size_t outsz,
		       u32 *len)
{
	size_t n = 0, olen;
	int ret;

	if (!utf8 || !out || !len)
		return -VHD_E_INVAL;
	while (utf8[n])
		n++;

	switch (code) {
	case VHD_PLAT_W2KU:
	case VHD_PLAT_W2RU:
		ret = vhd_utf8_to_utf16(utf8, n, false, out, outsz, &olen);
		if (ret)
			return ret;
		break;
	case VHD_PLAT_MACX:
		ret = vhd_utf8_check(utf8, n);
		if (ret)
			return ret;
		if (n > outsz)
			return -VHD_E_NAME_TOO_LONG;
		memcpy(out, utf8, n);
		olen = n;
		break;
	default:
		return -VHD_E_INVAL;
	}
	if (!olen)
		return -VHD_E_INVAL;
	if (olen > VHD_MAX_LOCATOR_LEN)
		return -VHD_E_NAME_TOO_LONG;
	*len = (u32)olen;
	return 0;
}
