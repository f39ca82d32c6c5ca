// SPDX-License-Identifier: GPL-2.0
/*
 * Opening and validating one image file, then its differencing chain.
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

const char *vhdio_strerror(int ret)
{
	int e = ret < 0 ? -ret : ret;

	if (e >= VHDIO_ERRNO_BASE)
		return strerror(e - VHDIO_ERRNO_BASE);
	return vhd_strerror(e);
}

int vhdio_errno(int ret)
{
	int e = ret < 0 ? -ret : ret;

	if (e >= VHDIO_ERRNO_BASE)
		return e - VHDIO_ERRNO_BASE;
	return -vhd_errno(-e);
}

int vhdio_pread(int fd, void *buf, size_t len, u64 off)
{
	u8 *p = buf;
	ssize_t n;

	while (len) {
		n = pread(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vhdio_sys(errno);
		}
		if (!n)
			return vhdio_sys(EIO);
		p += n;
		len -= (size_t)n;
		off += (u64)n;
	}
	return 0;
}

/*
 * Crash tests: VHD_FAIL_AFTER_WRITES=N lets writes 1..N-1 through and fails
 * the Nth and every later one (pwrite and ftruncate alike) with EIO, as if
 * the power went at that point.
 */
static bool vhdio_cut(void)
{
	static long left = -2;
	const char *e;

	if (left == -2) {
		e = getenv("VHD_FAIL_AFTER_WRITES");
		left = e && *e ? strtol(e, NULL, 10) : -1;
	}
	if (left < 0)
		return false;
	if (left <= 1) {
		left = 0;
		return true;
	}
	left--;
	return false;
}

int vhdio_ftruncate(int fd, u64 size)
{
	if (vhdio_cut())
		return vhdio_sys(EIO);
	if (ftruncate(fd, (off_t)size))
		return vhdio_sys(errno);
	return 0;
}

int vhdio_fsync(int fd)
{
	if (fsync(fd))
		return vhdio_sys(errno);
	return 0;
}

int vhdio_pwrite(int fd, const void *buf, size_t len, u64 off)
{
	const u8 *p = buf;
	ssize_t n;

	if (vhdio_cut())
		return vhdio_sys(EIO);
	while (len) {
		n = pwrite(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vhdio_sys(errno);
		}
		p += n;
		len -= (size_t)n;
		off += (u64)n;
	}
	return 0;
}

void vhdio_uuid_str(const u8 u[16], char out[37])
{
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int vhd_file_size(int fd, struct stat *st, u64 *size)
{
	u64 sz;

	if (S_ISREG(st->st_mode)) {
		*size = (u64)st->st_size;
		return 0;
	}
	if (S_ISBLK(st->st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &sz))
			return vhdio_sys(errno);
		*size = sz;
		return 0;
	}
	return vhdio_sys(S_ISDIR(st->st_mode) ? EISDIR : EINVAL);
}

/* Footer: the trailing one, or the copy at 0 to tell a truncated file. */
static int vhd_image_footer(struct vhd_image *img, int flags, u32 rule)
{
	u8 buf[VHD_FOOTER_SIZE];
	struct vhd_footer copy;
	int ret, cret;

	if (img->file_size < VHD_FOOTER_SIZE)
		return -VHD_E_TRUNCATED;
	ret = vhdio_pread(img->fd, buf, sizeof(buf),
			  img->file_size - VHD_FOOTER_SIZE);
	if (ret)
		return ret;
	ret = vhd_footer_decode(&img->footer, buf, sizeof(buf),
				img->file_size, rule);
	if (ret != -VHD_E_COOKIE && ret != -VHD_E_CHECKSUM)
		return ret;

	cret = vhdio_pread(img->fd, buf, sizeof(buf), 0);
	if (cret)
		return ret;
	if (!(flags & VHDIO_COPY_FOOTER))
		return vhd_footer_lost(ret, buf, img->file_size);
	/* Asked to: carry on with a valid copy (check, repair). */
	cret = vhd_footer_decode(&copy, buf, sizeof(buf), img->file_size,
				 rule);
	if ((cret && cret != -VHD_E_TRUNCATED) || !vhd_is_sparse(&copy))
		return ret;
	img->footer = copy;
	img->footer_from_copy = true;
	return 0;
}

static int vhd_image_sparse(struct vhd_image *img)
{
	u8 buf[VHD_DYNHDR_SIZE];
	size_t bat_len;
	int ret;

	ret = vhdio_pread(img->fd, buf, sizeof(buf), img->footer.data_offset);
	if (ret)
		return ret;
	ret = vhd_dynhdr_decode(&img->hdr, buf, &img->footer, img->file_size);
	if (ret)
		return ret;
	img->warn |= img->hdr.warn;
	bat_len = (size_t)img->hdr.max_table_entries * 4;
	img->bat = malloc(bat_len ? bat_len : 1);
	img->bm = malloc(img->hdr.bitmap_size);
	if (!img->bat || !img->bm)
		return -VHD_E_NOMEM;
	ret = vhdio_pread(img->fd, img->bat, bat_len, img->hdr.table_offset);
	if (ret)
		return ret;
	return vhd_bat_validate(&img->footer, &img->hdr, img->file_size,
				img->bat, &img->stats);
}

static int vhd_image_open_one(struct vhd_image **out, const char *path,
			      int flags, u32 rule)
{
	struct vhd_image *img;
	struct stat st;
	int ret;

	*out = NULL;
	img = calloc(1, sizeof(*img));
	if (!img)
		return -VHD_E_NOMEM;
	img->fd = -1;
	img->path = strdup(path);
	if (!img->path) {
		free(img);
		return -VHD_E_NOMEM;
	}
	*out = img;
	/* O_NONBLOCK: never hang on a FIFO named by a locator. */
	img->fd = open(path, ((flags & VHDIO_RDWR) ? O_RDWR : O_RDONLY) |
		       O_CLOEXEC | O_NONBLOCK);
	if (img->fd < 0)
		return vhdio_sys(errno);
	if (fstat(img->fd, &st))
		return vhdio_sys(errno);
	img->dev = st.st_dev;
	img->ino = st.st_ino;
	ret = vhd_file_size(img->fd, &st, &img->file_size);
	if (ret)
		return ret;
	ret = vhd_image_footer(img, flags, rule);
	if (ret)
		return ret;
	img->warn |= img->footer.warn;
	if (!vhd_is_sparse(&img->footer))
		return 0;
	return vhd_image_sparse(img);
}

void vhd_image_close(struct vhd_image *img)
{
	struct vhd_image *next;

	while (img) {
		next = img->parent;
		if (img->fd >= 0)
			close(img->fd);
		free(img->path);
		free(img->bat);
		free(img->bm);
		free(img);
		img = next;
	}
}

int vhd_image_depth(const struct vhd_image *img)
{
	int n = 0;

	for (; img; img = img->parent)
		n++;
	return n;
}

static char vhd_where[PATH_MAX];

static void vhd_set_where(const char **where, const char *path)
{
	if (!where)
		return;
	snprintf(vhd_where, sizeof(vhd_where), "%s", path);
	*where = vhd_where;
}

int vhd_image_open(struct vhd_image **out, const char *path, int flags,
		   u32 size_rule, const char **where)
{
	struct vhd_image *top, *cur, *par, *it;
	char ppath[PATH_MAX];
	int ret, depth = 1;

	*out = NULL;
	if (where)
		*where = NULL;
	ret = vhd_image_open_one(&top, path, flags, size_rule);
	if (ret) {
		vhd_set_where(where, path);
		vhd_image_close(top);
		return ret;
	}
	cur = top;
	while (!(flags & VHDIO_NO_CHAIN) &&
	       cur->footer.disk_type == VHD_TYPE_DIFF) {
		vhd_set_where(where, cur->path);
		ret = vhd_parent_find(cur, ppath, sizeof(ppath));
		if (ret)
			break;
		if (++depth > VHDIO_MAX_DEPTH) {
			ret = -VHD_E_CHAIN_DEPTH;
			break;
		}
		/* Parents are opened read-only, whatever the child. */
		vhd_set_where(where, ppath);
		ret = vhd_image_open_one(&par, ppath, 0, size_rule);
		if (ret) {
			vhd_image_close(par);
			break;
		}
		cur->parent = par;
		for (it = top; it != par; it = it->parent) {
			if (it->dev == par->dev && it->ino == par->ino)
				ret = -VHD_E_CHAIN_LOOP;
		}
		if (!ret)
			ret = vhd_parent_check(&cur->hdr, &par->footer,
					       &cur->warn);
		if (ret)
			break;
		cur = par;
	}
	if (ret && !(flags & VHDIO_KEEP_PARTIAL)) {
		vhd_image_close(top);
		return ret;
	}
	if (!ret && where)
		*where = NULL;
	*out = top;
	return ret;
}

bool vhd_image_block_allocated(const struct vhd_image *img, u32 idx)
{
	if (!vhd_is_sparse(&img->footer) || idx >= img->hdr.max_table_entries)
		return false;
	return vhd_bat_get(img->bat, idx) != VHD_BAT_UNUSED;
}

int vhd_image_locator(const struct vhd_image *img, u32 i, char *out,
		      size_t outsz)
{
	const struct vhd_locator *loc;
	u8 *data;
	int ret;

	if (i >= VHD_MAX_LOCATORS || !vhd_is_sparse(&img->footer))
		return -VHD_E_INVAL;
	loc = &img->hdr.loc[i];
	if (!loc->data_length || loc->data_length > VHD_MAX_LOCATOR_LEN)
		return -VHD_E_LOCATOR;
	if (loc->data_offset + loc->data_length > img->file_size)
		return -VHD_E_LOCATOR;
	data = malloc(loc->data_length);
	if (!data)
		return -VHD_E_NOMEM;
	ret = vhdio_pread(img->fd, data, loc->data_length, loc->data_offset);
	if (!ret)
		ret = vhd_locator_decode(loc, data, out, outsz);
	free(data);
	return ret;
}
