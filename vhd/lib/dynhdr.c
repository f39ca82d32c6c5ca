// SPDX-License-Identifier: GPL-2.0
/*
 * Dynamic disk header ("cxsparse", 1024 bytes): decode, validate, encode,
 * initialise; parent name and child -> parent linkage.
 */
#include "vhd_format.h"

#define HOFF(field)	offsetof(struct vhd_disk_dynhdr, field)
#define HDR_CSUM	HOFF(checksum)
#define LOC_SIZE	sizeof(struct vhd_disk_locator)

/* Byte ranges never overlapping: [start, end). */
static bool vhd_overlap(u64 s1, u64 e1, u64 s2, u64 e2)
{
	return s1 < e2 && s2 < e1;
}

int vhd_dynhdr_derive(struct vhd_dynhdr *h)
{
	u32 bs = h->block_size, shift = 0;
	u64 bat;

	if (bs < VHD_MIN_BLOCK_SIZE || bs > VHD_MAX_BLOCK_SIZE ||
	    (bs & (bs - 1)))
		return -VHD_E_BLOCK_SIZE;
	while ((1U << shift) != bs)
		shift++;
	h->block_shift = shift;
	h->block_sectors = bs >> VHD_SECTOR_SHIFT;
	/* One bit per sector, padded to a whole sector. */
	h->bitmap_size = ((h->block_sectors / 8) + VHD_SECTOR_SIZE - 1) &
			 ~(VHD_SECTOR_SIZE - 1);
	if (!h->bitmap_size)
		h->bitmap_size = VHD_SECTOR_SIZE;
	bat = (u64)h->max_table_entries * 4;
	bat = (bat + VHD_SECTOR_SIZE - 1) & ~(u64)(VHD_SECTOR_SIZE - 1);
	if (bat > 0xFFFFFFFFULL)
		return -VHD_E_BAT_ENTRIES;
	h->bat_bytes = (u32)bat;
	return 0;
}

static void vhd_dynhdr_fields(struct vhd_dynhdr *h, const u8 *p)
{
	const u8 *l;
	u32 i;

	h->data_offset = vhd_get_be64(p + HOFF(data_offset));
	h->table_offset = vhd_get_be64(p + HOFF(table_offset));
	h->version = vhd_get_be32(p + HOFF(version));
	h->max_table_entries = vhd_get_be32(p + HOFF(max_table_entries));
	h->block_size = vhd_get_be32(p + HOFF(block_size));
	h->checksum = vhd_get_be32(p + HDR_CSUM);
	memcpy(h->parent_uuid, p + HOFF(parent_uuid), 16);
	h->parent_timestamp = vhd_get_be32(p + HOFF(parent_timestamp));
	memcpy(h->parent_name, p + HOFF(parent_name), VHD_PARENT_NAME_SIZE);
	for (i = 0; i < VHD_MAX_LOCATORS; i++) {
		l = p + HOFF(loc) + i * LOC_SIZE;
		h->loc[i].code = vhd_get_be32(l);
		h->loc[i].data_space = vhd_get_be32(l + 4);
		h->loc[i].data_length = vhd_get_be32(l + 8);
		h->loc[i].data_offset = vhd_get_be64(l + 16);
	}
	if (vhd_get_be32(p + HOFF(reserved1)))
		h->warn |= VHD_W_RESERVED;
	for (i = HOFF(reserved2); i < VHD_DYNHDR_SIZE; i++) {
		if (p[i]) {
			h->warn |= VHD_W_RESERVED;
			break;
		}
	}
}

/*
 * The spec says data space counts sectors; Windows writes bytes. A byte
 * count is a sector multiple holding the payload; anything else is sectors.
 */
static int vhd_locator_space(struct vhd_locator *loc, u32 *warn)
{
	u64 sectors;

	if (!(loc->data_space % VHD_SECTOR_SIZE) &&
	    loc->data_space >= loc->data_length) {
		loc->space_bytes = loc->data_space;
		return 0;
	}
	sectors = (u64)loc->data_space << VHD_SECTOR_SHIFT;
	if (sectors < loc->data_length || sectors > 0xFFFFFFFFULL)
		return -VHD_E_LOCATOR;
	loc->space_bytes = (u32)sectors;
	*warn |= VHD_W_LOC_SECTORS;
	return 0;
}

static int vhd_locators_check(struct vhd_dynhdr *h, const struct vhd_footer *f,
			      u64 limit)
{
	struct vhd_locator *loc;
	u64 end;
	u32 i;
	int ret;

	for (i = 0; i < VHD_MAX_LOCATORS; i++) {
		loc = &h->loc[i];
		if (loc->code == VHD_PLAT_NONE || !loc->data_length)
			continue;
		if (loc->code != VHD_PLAT_W2KU && loc->code != VHD_PLAT_W2RU &&
		    loc->code != VHD_PLAT_MACX)
			h->warn |= VHD_W_LOC_UNKNOWN;
		if (loc->data_length > VHD_MAX_LOCATOR_LEN)
			return -VHD_E_LOCATOR;
		ret = vhd_locator_space(loc, &h->warn);
		if (ret)
			return ret;
		end = vhd_locator_end(loc);
		if (loc->data_offset < VHD_FOOTER_SIZE ||
		    loc->data_offset > limit || end > limit)
			return -VHD_E_LOCATOR;
		if (vhd_overlap(loc->data_offset, end, f->data_offset,
				f->data_offset + VHD_DYNHDR_SIZE) ||
		    vhd_overlap(loc->data_offset, end, h->table_offset,
				h->table_offset +
				(u64)h->max_table_entries * 4))
			return -VHD_E_LOCATOR;
	}
	return 0;
}

int vhd_dynhdr_decode(struct vhd_dynhdr *h, const void *buf,
		      const struct vhd_footer *f, u64 file_size)
{
	const u8 *p = buf;
	u64 limit, need, bat_end, max_entries;
	size_t nlen;
	int ret;

	if (!h || !buf || !f || !vhd_is_sparse(f))
		return -VHD_E_INVAL;
	memset(h, 0, sizeof(*h));
	if (memcmp(p, VHD_DYNHDR_COOKIE, VHD_COOKIE_LEN))
		return -VHD_E_DYN_COOKIE;
	vhd_dynhdr_fields(h, p);
	if (vhd_checksum(p, VHD_DYNHDR_SIZE, HDR_CSUM) != h->checksum)
		return -VHD_E_DYN_CHECKSUM;
	if (h->data_offset != VHD_NO_OFFSET)
		return -VHD_E_DYN_OFFSET;
	if ((h->version >> 16) != (VHD_DYNHDR_VERSION >> 16))
		return -VHD_E_DYN_VERSION;
	ret = vhd_dynhdr_derive(h);
	if (ret)
		return ret;

	max_entries = (VHD_MAX_SIZE + h->block_size - 1) >> h->block_shift;
	if (h->max_table_entries > max_entries)
		return -VHD_E_BAT_ENTRIES;
	need = (f->virtual_size + h->block_size - 1) >> h->block_shift;
	if (h->max_table_entries < need)
		return -VHD_E_BAT_SHORT;

	if (file_size < f->footer_len)
		return -VHD_E_TRUNCATED;
	limit = file_size - f->footer_len;
	bat_end = h->table_offset + (u64)h->max_table_entries * 4;
	if (h->table_offset < VHD_FOOTER_SIZE || h->table_offset > limit ||
	    bat_end > limit ||
	    vhd_overlap(h->table_offset, bat_end, f->data_offset,
			f->data_offset + VHD_DYNHDR_SIZE))
		return -VHD_E_BAT_OFFSET;

	if (f->disk_type != VHD_TYPE_DIFF)
		return 0;
	ret = vhd_locators_check(h, f, limit);
	if (ret)
		return ret;
	/* The parent name must be valid UTF-16BE up to its first NUL. */
	for (nlen = 0; nlen + 1 < VHD_PARENT_NAME_SIZE; nlen += 2)
		if (!h->parent_name[nlen] && !h->parent_name[nlen + 1])
			break;
	return vhd_utf16_to_utf8(h->parent_name, nlen, true, NULL, 0, NULL);
}

void vhd_dynhdr_encode(const struct vhd_dynhdr *h, void *buf)
{
	u8 *p = buf, *l;
	u32 i;

	memset(p, 0, VHD_DYNHDR_SIZE);
	memcpy(p, VHD_DYNHDR_COOKIE, VHD_COOKIE_LEN);
	vhd_put_be64(p + HOFF(data_offset), h->data_offset);
	vhd_put_be64(p + HOFF(table_offset), h->table_offset);
	vhd_put_be32(p + HOFF(version), h->version);
	vhd_put_be32(p + HOFF(max_table_entries), h->max_table_entries);
	vhd_put_be32(p + HOFF(block_size), h->block_size);
	memcpy(p + HOFF(parent_uuid), h->parent_uuid, 16);
	vhd_put_be32(p + HOFF(parent_timestamp), h->parent_timestamp);
	memcpy(p + HOFF(parent_name), h->parent_name, VHD_PARENT_NAME_SIZE);
	for (i = 0; i < VHD_MAX_LOCATORS; i++) {
		l = p + HOFF(loc) + i * LOC_SIZE;
		vhd_put_be32(l, h->loc[i].code);
		vhd_put_be32(l + 4, h->loc[i].data_space);
		vhd_put_be32(l + 8, h->loc[i].data_length);
		vhd_put_be64(l + 16, h->loc[i].data_offset);
	}
	vhd_put_be32(p + HDR_CSUM, vhd_checksum(p, VHD_DYNHDR_SIZE, HDR_CSUM));
}

int vhd_dynhdr_init(struct vhd_dynhdr *h, u64 size, u32 block_size,
		    u64 table_offset)
{
	u64 entries;
	int ret;

	if (!h)
		return -VHD_E_INVAL;
	if (size & (VHD_SECTOR_SIZE - 1))
		return -VHD_E_SIZE_ALIGN;
	if (size > VHD_MAX_SIZE)
		return -VHD_E_TOO_BIG;
	memset(h, 0, sizeof(*h));
	h->data_offset = VHD_NO_OFFSET;
	h->table_offset = table_offset;
	h->version = VHD_DYNHDR_VERSION;
	h->block_size = block_size;
	ret = vhd_dynhdr_derive(h);
	if (ret)
		return ret;
	entries = (size + block_size - 1) >> h->block_shift;
	h->max_table_entries = (u32)entries;
	return vhd_dynhdr_derive(h);
}

int vhd_parent_check(const struct vhd_dynhdr *child,
		     const struct vhd_footer *parent, u32 *warn)
{
	if (!child || !parent)
		return -VHD_E_INVAL;
	if (memcmp(child->parent_uuid, parent->uuid, 16))
		return -VHD_E_PARENT_UUID;
	if (warn && child->parent_timestamp != parent->timestamp)
		*warn |= VHD_W_PARENT_TIME;
	return 0;
}

int vhd_parent_name_get(const struct vhd_dynhdr *h, char *out, size_t outsz)
{
	size_t nlen;

	if (!h || !out || !outsz)
		return -VHD_E_INVAL;
	for (nlen = 0; nlen + 1 < VHD_PARENT_NAME_SIZE; nlen += 2)
		if (!h->parent_name[nlen] && !h->parent_name[nlen + 1])
			break;
	return vhd_utf16_to_utf8(h->parent_name, nlen, true, out, outsz, NULL);
}

int vhd_parent_name_set(struct vhd_dynhdr *h, const char *utf8)
{
	size_t n = 0;

	if (!h || !utf8)
		return -VHD_E_INVAL;
	while (utf8[n])
		n++;
	memset(h->parent_name, 0, VHD_PARENT_NAME_SIZE);
	return vhd_utf8_to_utf16(utf8, n, true, h->parent_name,
				 VHD_PARENT_NAME_SIZE, NULL);
}
