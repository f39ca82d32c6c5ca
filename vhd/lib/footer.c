// SPDX-License-Identifier: GPL-2.0
/*
 * Hard disk footer: decode, validate, encode, initialise.
 * The footer closes every image; dynamic and differencing disks keep a copy
 * at offset 0. Images from before Virtual PC 2004 have a 511-byte footer.
 */
#include "vhd_format.h"

#define FOFF(field)	offsetof(struct vhd_disk_footer, field)
#define FOOTER_CSUM	FOFF(checksum)

/* Creators whose tools expose the CHS-derived size (QEMU's table). */
static bool vhd_creator_uses_chs(const u8 app[4])
{
	return !memcmp(app, "vpc ", 4) || !memcmp(app, "vs  ", 4) ||
	       !memcmp(app, "qemu", 4);
}

u64 vhd_footer_size(const struct vhd_footer *f, u32 size_rule)
{
	u64 chs = vhd_chs_size(&f->chs);

	if (size_rule == VHD_SIZE_CURRENT)
		return f->cur_size;
	if (size_rule == VHD_SIZE_CHS)
		return chs;
	/* A maximal CHS cannot describe the disk: trust current_size. */
	if (vhd_creator_uses_chs(f->creator_app) &&
	    (chs >> VHD_SECTOR_SHIFT) != VHD_MAX_CHS_SECTORS)
		return chs;
	return f->cur_size;
}

static void vhd_footer_fields(struct vhd_footer *f, const u8 *p, u32 flen)
{
	u32 i;

	f->features = vhd_get_be32(p + FOFF(features));
	f->version = vhd_get_be32(p + FOFF(version));
	f->data_offset = vhd_get_be64(p + FOFF(data_offset));
	f->timestamp = vhd_get_be32(p + FOFF(timestamp));
	memcpy(f->creator_app, p + FOFF(creator_app), 4);
	f->creator_ver = vhd_get_be32(p + FOFF(creator_ver));
	f->creator_os = vhd_get_be32(p + FOFF(creator_os));
	f->orig_size = vhd_get_be64(p + FOFF(orig_size));
	f->cur_size = vhd_get_be64(p + FOFF(cur_size));
	f->chs.cylinders = vhd_get_be16(p + FOFF(geometry));
	f->chs.heads = p[FOFF(geometry) + 2];
	f->chs.sectors = p[FOFF(geometry) + 3];
	f->disk_type = vhd_get_be32(p + FOFF(disk_type));
	f->checksum = vhd_get_be32(p + FOOTER_CSUM);
	memcpy(f->uuid, p + FOFF(uuid), 16);
	f->saved_state = p[FOFF(saved_state)];
	f->hidden = p[FOFF(reserved)];
	f->footer_len = flen;

	if (f->hidden)
		f->warn |= VHD_W_HIDDEN;
	for (i = FOFF(reserved) + 1; i < flen; i++) {
		if (p[i]) {
			f->warn |= VHD_W_RESERVED;
			break;
		}
	}
	if (flen == VHD_FOOTER_OLD_SIZE)
		f->warn |= VHD_W_OLD_FOOTER;
	if (!(f->features & VHD_FEAT_RESERVED))
		f->warn |= VHD_W_FEATURES;
	if (f->features & VHD_FEAT_TEMPORARY)
		f->warn |= VHD_W_TEMPORARY;
	if (f->saved_state)
		f->warn |= VHD_W_SAVED_STATE;
}

int vhd_footer_decode(struct vhd_footer *f, const void *buf, size_t len,
		      u64 file_size, u32 size_rule)
{
	const u8 *p = buf;
	u32 flen = VHD_FOOTER_SIZE;
	struct vhd_chs want;
	u64 limit;

	if (!f || !buf || size_rule > VHD_SIZE_CHS ||
	    (len != VHD_FOOTER_SIZE && len != VHD_FOOTER_OLD_SIZE))
		return -VHD_E_INVAL;
	memset(f, 0, sizeof(*f));

	if (len == VHD_FOOTER_OLD_SIZE) {
		flen = VHD_FOOTER_OLD_SIZE;
	} else if (memcmp(p, VHD_FOOTER_COOKIE, VHD_COOKIE_LEN) &&
		   !memcmp(p + 1, VHD_FOOTER_COOKIE, VHD_COOKIE_LEN)) {
		p++;
		flen = VHD_FOOTER_OLD_SIZE;
	}
	if (memcmp(p, VHD_FOOTER_COOKIE, VHD_COOKIE_LEN))
		return -VHD_E_COOKIE;

	vhd_footer_fields(f, p, flen);
	if (file_size < flen)
		return -VHD_E_TRUNCATED;
	if (vhd_checksum(p, flen, FOOTER_CSUM) != f->checksum)
		return -VHD_E_CHECKSUM;
	if ((f->version >> 16) != (VHD_VERSION >> 16))
		return -VHD_E_VERSION;
	if (f->disk_type != VHD_TYPE_FIXED &&
	    f->disk_type != VHD_TYPE_DYNAMIC && f->disk_type != VHD_TYPE_DIFF)
		return -VHD_E_DISK_TYPE;
	if (f->cur_size & (VHD_SECTOR_SIZE - 1))
		return -VHD_E_SIZE_ALIGN;

	vhd_chs_from_size(f->cur_size, &want);
	if (want.cylinders != f->chs.cylinders || want.heads != f->chs.heads ||
	    want.sectors != f->chs.sectors)
		f->warn |= VHD_W_GEOMETRY;

	f->virtual_size = vhd_footer_size(f, size_rule);
	if (f->virtual_size != f->cur_size)
		f->warn |= VHD_W_CHS_SIZE;
	if (f->virtual_size > VHD_MAX_SIZE)
		return -VHD_E_TOO_BIG;
	if (!f->virtual_size && f->cur_size)
		return -VHD_E_GEOMETRY;

	limit = file_size - flen;
	if (f->disk_type == VHD_TYPE_FIXED) {
		/* data_offset is unused; old tools wrote 0 or ~0: ignore. */
		if (limit < f->virtual_size)
			return -VHD_E_FIXED_SHORT;
		return 0;
	}
	if (f->data_offset == VHD_NO_OFFSET ||
	    f->data_offset < VHD_FOOTER_SIZE)
		return -VHD_E_DATA_OFFSET;
	if (f->data_offset > limit || limit - f->data_offset < VHD_DYNHDR_SIZE)
		return -VHD_E_TRUNCATED;
	return 0;
}

int vhd_footer_lost(int err, const void *copy, u64 file_size)
{
	struct vhd_footer f;
	int ret;

	if (err != -VHD_E_COOKIE || !copy)
		return err;
	ret = vhd_footer_decode(&f, copy, VHD_FOOTER_SIZE, file_size,
				VHD_SIZE_AUTO);
	if ((ret && ret != -VHD_E_TRUNCATED) || !vhd_is_sparse(&f))
		return err;
	return -VHD_E_TRUNCATED;
}

void vhd_footer_encode(const struct vhd_footer *f, void *buf)
{
	u8 *p = buf;

	memset(p, 0, VHD_FOOTER_SIZE);
	memcpy(p, VHD_FOOTER_COOKIE, VHD_COOKIE_LEN);
	vhd_put_be32(p + FOFF(features), f->features);
	vhd_put_be32(p + FOFF(version), f->version);
	vhd_put_be64(p + FOFF(data_offset), f->data_offset);
	vhd_put_be32(p + FOFF(timestamp), f->timestamp);
	memcpy(p + FOFF(creator_app), f->creator_app, 4);
	vhd_put_be32(p + FOFF(creator_ver), f->creator_ver);
	vhd_put_be32(p + FOFF(creator_os), f->creator_os);
	vhd_put_be64(p + FOFF(orig_size), f->orig_size);
	vhd_put_be64(p + FOFF(cur_size), f->cur_size);
	vhd_put_be16(p + FOFF(geometry), f->chs.cylinders);
	p[FOFF(geometry) + 2] = f->chs.heads;
	p[FOFF(geometry) + 3] = f->chs.sectors;
	vhd_put_be32(p + FOFF(disk_type), f->disk_type);
	memcpy(p + FOFF(uuid), f->uuid, 16);
	p[FOFF(saved_state)] = f->saved_state;
	p[FOFF(reserved)] = f->hidden;
	vhd_put_be32(p + FOOTER_CSUM,
		     vhd_checksum(p, VHD_FOOTER_SIZE, FOOTER_CSUM));
}

int vhd_footer_init(struct vhd_footer *f, u32 disk_type, u64 size,
		    u32 timestamp, const u8 uuid[16])
{
	if (!f || !uuid)
		return -VHD_E_INVAL;
	if (disk_type != VHD_TYPE_FIXED && disk_type != VHD_TYPE_DYNAMIC &&
	    disk_type != VHD_TYPE_DIFF)
		return -VHD_E_DISK_TYPE;
	if (size & (VHD_SECTOR_SIZE - 1))
		return -VHD_E_SIZE_ALIGN;
	if (size > VHD_MAX_SIZE)
		return -VHD_E_TOO_BIG;

	memset(f, 0, sizeof(*f));
	f->features = VHD_FEAT_RESERVED;
	f->version = VHD_VERSION;
	f->data_offset = disk_type == VHD_TYPE_FIXED ? VHD_NO_OFFSET :
			 VHD_FOOTER_SIZE;
	f->timestamp = timestamp;
	memcpy(f->creator_app, VHD_CREATOR_APP, 4);
	f->creator_ver = VHD_CREATOR_VER;
	f->creator_os = VHD_CREATOR_OS;
	f->orig_size = size;
	f->cur_size = size;
	vhd_chs_from_size(size, &f->chs);
	f->disk_type = disk_type;
	memcpy(f->uuid, uuid, 16);
	f->footer_len = VHD_FOOTER_SIZE;
	f->virtual_size = size;
	return 0;
}

u32 vhd_time_from_unix(u64 unix_secs)
{
	if (unix_secs <= VHD_EPOCH_OFFSET)
		return 0;
	unix_secs -= VHD_EPOCH_OFFSET;
	return unix_secs > 0xFFFFFFFFULL ? 0xFFFFFFFFU : (u32)unix_secs;
}

u64 vhd_time_to_unix(u32 vhd_secs)
{
	return (u64)vhd_secs + VHD_EPOCH_OFFSET;
}

void vhd_footer_set_size(struct vhd_footer *f, u64 size)
{
	/* Original size too: libvhdi takes the disk size from it. */
	f->orig_size = size;
	vhd_chs_from_size(size, &f->chs);
	f->cur_size = size;
	f->virtual_size = size;
}
