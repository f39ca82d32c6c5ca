// SPDX-License-Identifier: GPL-2.0
/*
 * Attach: open the image and its parents, then hand every fd to the kernel
 * in one VHD_ATTACH.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vhdsetup.h"

#if VHD_CHAIN_MAX != VHD_MAX_DEPTH
#error "chain.h and linux/vhd.h disagree on the chain depth"
#endif

/* Tries when -f loses the race for a free device to another process. */
#define FIND_RETRIES	16

static int attach_dev(int index, const struct vhd_chain *c,
		      const struct attach_opts *o, bool read_only)
{
	struct vhd_attach a;
	int fd, i, ret = 0;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.nr_fds = c->nr;
	a.size_override = o->sizelimit;
	for (i = 0; i < c->nr; i++)
		a.fds[i] = c->fds[i];
	if (read_only)
		a.flags |= VHD_FLAG_READ_ONLY;
	if (o->direct_io)
		a.flags |= VHD_FLAG_DIRECT_IO;
	if (o->partscan)
		a.flags |= VHD_FLAG_PARTSCAN;
	if (o->autoclear)
		a.flags |= VHD_FLAG_AUTOCLEAR;

	fd = vhd_open_dev(index, read_only ? O_RDONLY : O_RDWR);
	if (fd == -EROFS || fd == -EACCES)
		fd = vhd_open_dev(index, O_RDONLY);
	if (fd < 0)
		return fd;
	if (ioctl(fd, VHD_ATTACH, &a) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int vhd_attach_file(int index, const char *file, const struct attach_opts *o)
{
	bool read_only = o->read_only;
	struct vhd_chain c;
	char name[32];
	int ret, tries = FIND_RETRIES;

	ret = vhd_chain_open(file, &read_only, &c);
	if (ret)
		return EXIT_FAIL;
	if (c.top_error && verbose)
		warnx_("%s: %s (asking the kernel anyway)", file, c.top_error);

	for (;;) {
		if (o->find) {
			index = vhd_ctl_find_free();
			if (index < 0) {
				warn_(-index, "cannot find an unused vhd device");
				ret = EXIT_FAIL;
				goto out;
			}
		}
		ret = attach_dev(index, &c, o, read_only);
		/* Someone else took the free device first: try the next. */
		if (ret == -EBUSY && o->find && --tries)
			continue;
		break;
	}
	vhd_devname(index, name, sizeof(name));
	if (ret) {
		warn_(-ret, "%s: failed to set up vhd device %s", file, name);
		if (c.top_error)
			warnx_("%s: %s", file, c.top_error);
		ret = EXIT_FAIL;
		goto out;
	}
	if (o->show)
		printf("%s\n", name);
	ret = EXIT_OK;
out:
	vhd_chain_close(&c);
	return ret;
}
