// SPDX-License-Identifier: GPL-2.0
/*
 * Finding a differencing disk's parent from its locators and name, and
 * reading virtual sectors through the chain.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

#include "vhdio.h"

/* Folder of @path with a trailing '/', or "" for the current one. */
static void vhd_dir_of(const char *path, char *dir, size_t dirsz)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) + 1 : 0;

	if (n >= dirsz)
		n = 0;
	memcpy(dir, path, n);
	dir[n] = '\0';
}

static void vhd_backslashes(char *s)
{
	for (; *s; s++)
		if (*s == '\\')
			*s = '/';
}

static bool vhd_win_drive(const char *s)
{
	return ((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')) &&
	       s[1] == ':';
}

/*
 * Turn a stored name into a local path: relative names are taken from the
 * child's folder; a Windows drive path only by its last component there.
 */
static int vhd_candidate(const char *dir, const char *name, char *out,
			 size_t outsz)
{
	char tmp[PATH_MAX];
	const char *base;
	int n;

	if (snprintf(tmp, sizeof(tmp), "%s", name) >= (int)sizeof(tmp))
		return -1;
	if (!strncmp(tmp, "file://", 7)) {
		memmove(tmp, tmp + 7, strlen(tmp + 7) + 1);
		if (!strncmp(tmp, "localhost/", 10))
			memmove(tmp, tmp + 9, strlen(tmp + 9) + 1);
	}
	if (vhd_win_drive(tmp)) {
		vhd_backslashes(tmp);
		base = strrchr(tmp, '/');
		base = base ? base + 1 : tmp + 2;
		n = snprintf(out, outsz, "%s%s", dir, base);
	} else {
		vhd_backslashes(tmp);
		base = tmp;
		if (!strncmp(base, "./", 2))
			base += 2;
		if (base[0] == '/')
			n = snprintf(out, outsz, "%s", base);
		else
			n = snprintf(out, outsz, "%s%s", dir, base);
	}
	return n > 0 && (size_t)n < outsz ? 0 : -1;
}

/* 1 if @path is an image whose unique id is @uuid, 0 if not, <0 absent. */
static int vhd_try_parent(const char *path, const u8 uuid[16])
{
	u8 buf[VHD_FOOTER_SIZE];
	struct vhd_footer f;
	struct stat st;
	u64 size = 0;
	int fd, ret = 0;

	/* O_NONBLOCK: a locator naming a FIFO must not hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) ||
	    !(S_ISREG(st.st_mode) || (S_ISBLK(st.st_mode) &&
				      !ioctl(fd, BLKGETSIZE64, &size)))) {
		close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode))
		size = (u64)st.st_size;
	if (size >= VHD_FOOTER_SIZE &&
	    !vhdio_pread(fd, buf, sizeof(buf), size - VHD_FOOTER_SIZE) &&
	    !vhd_footer_decode(&f, buf, sizeof(buf), size, VHD_SIZE_AUTO))
		ret = !memcmp(f.uuid, uuid, 16);
	close(fd);
	return ret;
}

int vhd_parent_find(const struct vhd_image *img, char *out, size_t outsz)
{
	static const u32 order[] = { VHD_PLAT_W2RU, VHD_PLAT_MACX,
				     VHD_PLAT_W2KU };
	char dir[PATH_MAX], name[PATH_MAX], cand[PATH_MAX];
	bool mismatch = false;
	u32 o, i;
	int r;

	if (img->footer.disk_type != VHD_TYPE_DIFF)
		return -VHD_E_NOT_DIFF;
	vhd_dir_of(img->path, dir, sizeof(dir));
	for (o = 0; o <= 3; o++) {
		for (i = 0; i < VHD_MAX_LOCATORS; i++) {
			if (o < 3) {
				if (img->hdr.loc[i].code != order[o])
					continue;
				if (vhd_image_locator(img, i, name,
						      sizeof(name)))
					continue;
			} else {
				if (i || vhd_parent_name_get(&img->hdr, name,
							     sizeof(name)))
					break;
			}
			if (!name[0] ||
			    vhd_candidate(dir, name, cand, sizeof(cand)))
				continue;
			r = vhd_try_parent(cand, img->hdr.parent_uuid);
			if (r > 0) {
				if (snprintf(out, outsz, "%s", cand) >=
				    (int)outsz)
					return -VHD_E_NAME_TOO_LONG;
				return 0;
			}
			if (!r)
				mismatch = true;
		}
	}
	return mismatch ? -VHD_E_PARENT_UUID : -VHD_E_NO_PARENT;
}

static int vhd_read_bitmap(struct vhd_image *img, u32 idx, u32 sector)
{
	int ret;

	if (img->bm_valid && img->bm_block == idx)
		return 0;
	img->bm_valid = false;
	ret = vhdio_pread(img->fd, img->bm, img->hdr.bitmap_size,
			  vhd_block_bitmap_off(sector));
	if (ret)
		return ret;
	img->bm_block = idx;
	img->bm_valid = true;
	return 0;
}

/* Unallocated range: the parent's data (differencing) or zeros. */
static int vhd_read_below(struct vhd_image *img, u8 *buf, u64 off, size_t len)
{
	if (img->footer.disk_type == VHD_TYPE_DIFF && img->parent)
		return vhd_image_read(img->parent, buf, off, len);
	memset(buf, 0, len);
	return 0;
}

static int vhd_read_block(struct vhd_image *img, u8 *buf, u64 off,
			  size_t len)
{
	const struct vhd_dynhdr *h = &img->hdr;
	u32 idx = vhd_bat_index(h, off >> VHD_SECTOR_SHIFT);
	u32 first = vhd_block_sector(h, off >> VHD_SECTOR_SHIFT);
	u32 end = first + (u32)(len >> VHD_SECTOR_SHIFT);
	u32 sector, run;
	bool set;
	int ret;

	if (!vhd_image_block_allocated(img, idx))
		return vhd_read_below(img, buf, off, len);
	sector = vhd_bat_get(img->bat, idx);
	ret = vhd_read_bitmap(img, idx, sector);
	if (ret)
		return ret;
	while (first < end) {
		run = vhd_bitmap_run(img->bm, first, end, &set);
		len = (size_t)run << VHD_SECTOR_SHIFT;
		if (set)
			ret = vhdio_pread(img->fd, buf, len,
					  vhd_block_data_off(h, sector) +
					  ((u64)first << VHD_SECTOR_SHIFT));
		else
			ret = vhd_read_below(img, buf, off, len);
		if (ret)
			return ret;
		buf += len;
		off += len;
		first += run;
	}
	return 0;
}

int vhd_image_read(struct vhd_image *img, void *vbuf, u64 off, size_t len)
{
	u8 *buf = vbuf;
	u64 vsize = img->footer.virtual_size, n, in_block;
	int ret;

	if ((off | len) & (VHD_SECTOR_SIZE - 1))
		return -VHD_E_INVAL;
	/* A parent smaller than its child reads as zeros past its end. */
	if (off >= vsize) {
		memset(buf, 0, len);
		return 0;
	}
	if (len > vsize - off) {
		n = vsize - off;
		memset(buf + n, 0, len - n);
		len = (size_t)n;
	}
	if (!vhd_is_sparse(&img->footer))
		return vhdio_pread(img->fd, buf, len, off);
	while (len) {
		in_block = off & (img->hdr.block_size - 1);
		n = img->hdr.block_size - in_block;
		if (n > len)
			n = len;
		ret = vhd_read_block(img, buf, off, (size_t)n);
		if (ret)
			return ret;
		buf += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}
