// SPDX-License-Identifier: GPL-2.0
/*
 * vhd create: fixed (O(1): fallocate, or ftruncate where unsupported),
 * dynamic, or differencing on -p PARENT.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhd.h"
#include "writer.h"

static int fixed_data(int fd, u64 size, bool zero, bool sparse)
{
	static u8 zeros[1 << 20];
	u64 off, n;
	int ret;

	if (zero) {
		for (off = 0; off < size; off += n) {
			n = size - off < sizeof(zeros) ? size - off :
				sizeof(zeros);
			ret = vhdio_pwrite(fd, zeros, (size_t)n, off);
			if (ret)
				return ret;
		}
		return 0;
	}
	if (!sparse && !fallocate(fd, 0, 0, (off_t)size + VHD_FOOTER_SIZE))
		return 0;
	if (!sparse && errno != EOPNOTSUPP && errno != ENOSYS)
		return vhdio_sys(errno);
	if (ftruncate(fd, (off_t)size))
		return vhdio_sys(errno);
	return 0;
}

int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 's' },
		{ "block-size", required_argument, NULL, 'b' },
		{ "parent", required_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'f' },
		{ "zero", no_argument, NULL, 'z' },
		{ "sparse", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *type_s = NULL, *parent_s = NULL, *file, *where;
	u64 size = 0, bs = 0;
	bool force = false, zero = false, sparse = false;
	struct vhd_image *parent = NULL;
	struct vhd_writer w;
	u32 type;
	int c, fd, ret;

	while ((c = getopt_long(argc, argv, "t:s:b:p:fh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			type_s = optarg;
			break;
		case 's':
			if (parse_size(optarg, &size)) {
				warnx_("invalid size '%s'", optarg);
				return 1;
			}
			break;
		case 'b':
			if (parse_size(optarg, &bs) || bs > VHD_MAX_BLOCK_SIZE) {
				warnx_("invalid block size '%s'", optarg);
				return 1;
			}
			break;
		case 'p':
			parent_s = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'z':
			zero = true;
			break;
		case 'S':
			sparse = true;
			break;
		case 'h':
			printf("vhd create [-t fixed|dynamic|differencing] -s SIZE [-b BLOCK]\n"
			       "           [-p PARENT] [--zero] [--sparse] [-f] FILE\n");
			return 0;
		default:
			return 1;
		}
	}
	if (optind + 1 != argc) {
		warnx_("create: need exactly one FILE");
		return 1;
	}
	file = argv[optind];
	if (!type_s)
		type = parent_s ? VHD_TYPE_DIFF : VHD_TYPE_DYNAMIC;
	else if (!strcmp(type_s, "fixed"))
		type = VHD_TYPE_FIXED;
	else if (!strcmp(type_s, "dynamic"))
		type = VHD_TYPE_DYNAMIC;
	else if (!strcmp(type_s, "differencing") || !strcmp(type_s, "diff"))
		type = VHD_TYPE_DIFF;
	else
		type = VHD_TYPE_NONE;
	if (type == VHD_TYPE_NONE) {
		warnx_("unknown type '%s'", type_s);
		return 1;
	}
	if (type == VHD_TYPE_DIFF ? !parent_s : !!parent_s) {
		warnx_("-p PARENT goes with (and only with) differencing disks");
		return 1;
	}
	if (type == VHD_TYPE_DIFF) {
		ret = vhd_image_open(&parent, parent_s, 0, VHD_SIZE_AUTO,
				     &where);
		if (ret) {
			warnx_("%s: %s", where ? where : parent_s,
			       vhdio_strerror(ret));
			return 1;
		}
		if (size && size != parent->footer.virtual_size) {
			warnx_("a differencing disk has its parent's size (%llu)",
			       (unsigned long long)parent->footer.virtual_size);
			vhd_image_close(parent);
			return 1;
		}
	} else {
		ret = size ? vhd_create_size(size, &size) : -VHD_E_INVAL;
		if (ret) {
			warnx_("size: %s", size ? vhd_strerror(ret) :
			       "-s SIZE is required");
			return 1;
		}
	}
	if (bs && (type == VHD_TYPE_FIXED || (bs & (bs - 1)) ||
		   bs < VHD_MIN_BLOCK_SIZE)) {
		warnx_("invalid block size for this disk");
		vhd_image_close(parent);
		return 1;
	}

	fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC |
		  (force ? O_TRUNC : O_EXCL), 0644);
	if (fd < 0) {
		warnx_("%s: %s", file, strerror(errno));
		vhd_image_close(parent);
		return 1;
	}
	ret = vhd_writer_start(&w, fd, file, type, size, (u32)bs, parent);
	if (!ret && type == VHD_TYPE_FIXED) {
		ret = fixed_data(fd, size, zero, sparse);
		if (!ret)
			ret = vhd_writer_finish(&w);
	}
	if (!ret && fsync(fd))
		ret = vhdio_sys(errno);
	vhd_writer_free(&w);
	vhd_image_close(parent);
	if (close(fd) && !ret)
		ret = vhdio_sys(errno);
	if (ret) {
		warnx_("%s: %s", file, vhdio_strerror(ret));
		unlink(file);
		return 1;
	}
	return 0;
}
