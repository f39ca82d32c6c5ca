// SPDX-License-Identifier: GPL-2.0
/*
 * Device side of vhdsetup: /dev/vhd-control, /dev/vhdN ioctls and the
 * sysfs attributes under /sys/block/vhdN/vhd/.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vhdsetup.h"

/* Accept /dev/vhdN, vhdN and N, as losetup accepts loopN. */
int vhd_parse_devname(const char *arg, int *index)
{
	const char *p = arg;
	char *end;
	long n;

	if (!strncmp(p, "/dev/", 5))
		p += 5;
	if (!strncmp(p, "vhd", 3))
		p += 3;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	n = strtol(p, &end, 10);
	if (errno || *end || n < 0 || n > 1048575)
		return -EINVAL;
	*index = (int)n;
	return 0;
}

void vhd_devname(int index, char *buf, size_t len)
{
	snprintf(buf, len, "/dev/vhd%d", index);
}

/*
 * Open /dev/vhdN. The node may lag a freshly added device when udev
 * rather than devtmpfs creates it, so wait a little on ENOENT.
 */
int vhd_open_dev(int index, int flags)
{
	char name[32];
	int tries = 50;
	int fd;

	vhd_devname(index, name, sizeof(name));
	for (;;) {
		fd = open(name, flags | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT || --tries == 0)
			break;
		usleep(20000);
	}
	return fd < 0 ? -errno : fd;
}

/* First free device, adding one when the kernel has none free. */
int vhd_ctl_find_free(void)
{
	int fd, n, err;

	fd = open(VHD_CONTROL, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = ioctl(fd, VHD_CTL_GET_FREE);
	if (n < 0 && (errno == ENODEV || errno == ENOENT || errno == ENOSPC))
		n = ioctl(fd, VHD_CTL_ADD, -1);
	err = errno;
	close(fd);
	return n < 0 ? -err : n;
}

int vhd_dev_get_info(int index, struct vhd_info *info)
{
	int fd, ret = 0;

	fd = vhd_open_dev(index, O_RDONLY);
	if (fd < 0)
		return fd;
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	if (ioctl(fd, VHD_GET_INFO, info) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static char *read_line(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return strdup(buf);
}

/* /sys/block/vhdN/<attr>, trailing newline stripped; NULL if absent. */
char *vhd_sysfs_read(int index, const char *attr)
{
	char path[256];

	snprintf(path, sizeof(path), VHD_SYSFS_BLOCK "/vhd%d/%s", index, attr);
	return read_line(path);
}

/* The parent's file name: the kernel exposes it per layer. */
static char *sysfs_parent(int index)
{
	static const char * const attrs[] = {
		"vhd/chain/1/backing_file",
		"vhd/chain/1",
		"vhd/parent1",
		"vhd/parent",
	};
	struct stat st;
	char path[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		snprintf(path, sizeof(path), VHD_SYSFS_BLOCK "/vhd%d/%s",
			 index, attrs[i]);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		return read_line(path);
	}
	return NULL;
}

int vhd_dev_load(int index, struct vhd_dev *dev)
{
	char *majmin;
	int ret;

	memset(dev, 0, sizeof(*dev));
	dev->index = index;
	vhd_devname(index, dev->name, sizeof(dev->name));
	majmin = vhd_sysfs_read(index, "dev");
	if (majmin) {
		if (sscanf(majmin, "%u:%u", &dev->major, &dev->minor) != 2) {
			dev->major = 0;
			dev->minor = 0;
		}
		free(majmin);
	}
	ret = vhd_dev_get_info(index, &dev->info);
	if (ret == -ENXIO)
		return 0;
	if (ret)
		return ret;
	dev->attached = true;
	dev->backing_file = vhd_sysfs_read(index, "vhd/backing_file");
	if (dev->info.depth > 1)
		dev->parent = sysfs_parent(index);
	return 0;
}

void vhd_dev_free(struct vhd_dev *dev)
{
	free(dev->backing_file);
	free(dev->parent);
	dev->backing_file = NULL;
	dev->parent = NULL;
}

int vhd_dev_detach(int index)
{
	int fd, ret = 0;

	fd = vhd_open_dev(index, O_RDONLY);
	if (fd < 0)
		return fd;
	if (ioctl(fd, VHD_DETACH) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Call fn for every vhdN in /sys/block, in index order; stop on non-zero. */
int vhd_iterate_devices(int (*fn)(int index, void *arg), void *arg)
{
	int *idx = NULL, nr = 0, cap = 0, i, ret = 0;
	struct dirent *de;
	DIR *dir;

	dir = opendir(VHD_SYSFS_BLOCK);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		int n;

		if (strncmp(de->d_name, "vhd", 3) ||
		    vhd_parse_devname(de->d_name, &n))
			continue;
		if (nr == cap) {
			int *tmp;

			cap = cap ? cap * 2 : 16;
			tmp = realloc(idx, cap * sizeof(*idx));
			if (!tmp) {
				ret = -ENOMEM;
				goto out;
			}
			idx = tmp;
		}
		idx[nr++] = n;
	}
	qsort(idx, nr, sizeof(*idx), cmp_int);
	for (i = 0; i < nr && !ret; i++)
		ret = fn(idx[i], arg);
out:
	closedir(dir);
	free(idx);
	return ret;
}
