// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal VHD_ATTACH/VHD_DETACH client for the smoke test, independent of
 * vhdsetup:
 *   attach [-r] [-d] [-P] IMAGE [PARENT...]	prints /dev/vhdN
 *   attach -D /dev/vhdN				detach
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vhd.h>

static int die(const char *what)
{
	fprintf(stderr, "attach: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct vhd_attach a;
	char dev[32];
	int ctl, fd, idx, i, opt, mode;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	while ((opt = getopt(argc, argv, "rdPD:")) != -1) {
		switch (opt) {
		case 'r':
			a.flags |= VHD_FLAG_READ_ONLY;
			break;
		case 'd':
			a.flags |= VHD_FLAG_DIRECT_IO;
			break;
		case 'P':
			a.flags |= VHD_FLAG_PARTSCAN;
			break;
		case 'D':
			fd = open(optarg, O_RDONLY);
			if (fd < 0 || ioctl(fd, VHD_DETACH) < 0)
				return die(optarg);
			return 0;
		default:
			return 2;
		}
	}
	if (optind >= argc || argc - optind > VHD_MAX_DEPTH)
		return 2;
	mode = (a.flags & VHD_FLAG_READ_ONLY) ? O_RDONLY : O_RDWR;
	for (i = optind; i < argc; i++) {
		a.fds[a.nr_fds] = open(argv[i], i == optind ? mode : O_RDONLY);
		if (a.fds[a.nr_fds++] < 0)
			return die(argv[i]);
	}
	ctl = open("/dev/vhd-control", O_RDWR);
	if (ctl < 0)
		return die("/dev/vhd-control");
	idx = ioctl(ctl, VHD_CTL_GET_FREE);
	if (idx < 0)
		return die("VHD_CTL_GET_FREE");
	snprintf(dev, sizeof(dev), "/dev/vhd%d", idx);
	fd = open(dev, mode);
	if (fd < 0)
		return die(dev);
	if (ioctl(fd, VHD_ATTACH, &a) < 0)
		return die("VHD_ATTACH");
	printf("%s\n", dev);
	return 0;
}
