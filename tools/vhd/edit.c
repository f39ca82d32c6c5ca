// SPDX-License-Identifier: GPL-2.0
/*
 * In-place editing of an open image, shared by merge, resize, compact and
 * set-uuid: metadata writes in the crash-safe order of
 * Documentation/vhd.rst ("Offline operations").
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vhd.h"

int ed_sync(struct vhd_image *img)
{
	struct stat st;
	int ret = vhdio_fsync(img->fd);

	if (!ret && !fstat(img->fd, &st))
		img->file_size = (u64)st.st_size;
	return ret;
}

int ed_footer_at(struct vhd_image *img, u64 off)
{
	u8 buf[VHD_FOOTER_SIZE];

	vhd_footer_encode(&img->footer, buf);
	return vhdio_pwrite(img->fd, buf, sizeof(buf), off);
}

int ed_footers(struct vhd_image *img)
{
	int ret;

	ret = ed_footer_at(img, img->file_size - VHD_FOOTER_SIZE);
	if (!ret)
		ret = ed_sync(img);
	if (ret || !vhd_is_sparse(&img->footer))
		return ret;
	ret = ed_footer_at(img, 0);
	return ret ? ret : ed_sync(img);
}

int ed_header(struct vhd_image *img)
{
	u8 buf[VHD_DYNHDR_SIZE];
	int ret;

	vhd_dynhdr_encode(&img->hdr, buf);
	ret = vhdio_pwrite(img->fd, buf, sizeof(buf), img->footer.data_offset);
	return ret ? ret : ed_sync(img);
}

int ed_bat(struct vhd_image *img)
{
	int ret = vhdio_pwrite(img->fd, img->bat,
			       (size_t)img->hdr.max_table_entries * 4,
			       img->hdr.table_offset);

	return ret ? ret : ed_sync(img);
}

int ed_stats(struct vhd_image *img)
{
	return vhd_bat_validate(&img->footer, &img->hdr, img->file_size,
				img->bat, &img->stats);
}

int ed_trim(struct vhd_image *img)
{
	u64 end;
	int ret;

	if (!vhd_is_sparse(&img->footer))
		return 0;
	ret = ed_stats(img);
	if (ret)
		return ret;
	end = img->stats.data_end;
	if (end + VHD_FOOTER_SIZE == img->file_size)
		return 0;
	/* New footer first: until the cut the old one still ends the file. */
	ret = ed_footer_at(img, end);
	if (!ret)
		ret = ed_sync(img);
	if (!ret)
		ret = vhdio_ftruncate(img->fd, end + VHD_FOOTER_SIZE);
	return ret ? ret : ed_sync(img);
}

int ed_extend(struct vhd_image *img, u64 end)
{
	int ret;

	if (end + VHD_FOOTER_SIZE <= img->file_size)
		return 0;
	ret = ed_footer_at(img, end);
	return ret ? ret : ed_sync(img);
}

int ed_copy(struct vhd_image *img, u64 from, u64 to, u64 len)
{
	u64 chunk = 8U << 20, n, done;
	u8 *buf = malloc(len < chunk ? len : chunk);
	int ret = 0;

	if (!buf)
		return -VHD_E_NOMEM;
	for (done = 0; done < len && !ret; done += n) {
		n = len - done < chunk ? len - done : chunk;
		ret = vhdio_pread(img->fd, buf, n, from + done);
		if (!ret)
			ret = vhdio_pwrite(img->fd, buf, n, to + done);
	}
	free(buf);
	return ret;
}

void ed_set_size(struct vhd_image *img, u64 size)
{
	vhd_footer_set_size(&img->footer, size);
}

/* Does @f (a sysfs file) name @real? */
static bool sysfs_names(const char *f, const char *real)
{
	char back[PATH_MAX];
	bool same = false;
	FILE *fp = fopen(f, "r");

	if (!fp)
		return false;
	if (fgets(back, sizeof(back), fp)) {
		back[strcspn(back, "\n")] = '\0';
		same = !strcmp(back, real);
	}
	fclose(fp);
	return same;
}

int ed_attached(const char *path, char *dev, size_t devsz)
{
	char real[PATH_MAX], f[PATH_MAX];
	struct dirent *de;
	int found = 0, i;
	DIR *d;

	if (!realpath(path, real))
		return 0;
	d = opendir("/sys/block");
	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		if (strncmp(de->d_name, "vhd", 3))
			continue;
		for (i = 0; !found && i < VHDIO_MAX_DEPTH; i++) {
			if (i)
				snprintf(f, sizeof(f),
					 "/sys/block/%.32s/vhd/parent%d",
					 de->d_name, i);
			else
				snprintf(f, sizeof(f),
					 "/sys/block/%.32s/vhd/backing_file",
					 de->d_name);
			if (sysfs_names(f, real))
				found = snprintf(dev, devsz, "/dev/%s",
						 de->d_name) > 0;
		}
	}
	closedir(d);
	return found;
}

int ed_open(struct vhd_image **img, const char *path, int flags)
{
	const char *where;
	char dev[300];
	int ret;

	*img = NULL;
	if ((flags & VHDIO_RDWR) && ed_attached(path, dev, sizeof(dev))) {
		warnx_("%s: attached as %s: detach it first", path, dev);
		return -VHD_E_INVAL;
	}

	ret = vhd_image_open(img, path, flags, VHD_SIZE_AUTO, &where);
	if (ret)
		warnx_("%s: %s", where ? where : path, vhdio_strerror(ret));
	return ret;
}
