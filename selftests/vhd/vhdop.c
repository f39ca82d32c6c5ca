// SPDX-License-Identifier: GPL-2.0
/*
 * Raw VHD_OP_* client for the selftests, independent of vhdsetup, so that
 * a test can check the kernel's errno for each request:
 *   vhdop [-n] DEV merge LEVEL TARGET [CHILD]
 *   vhdop [-n] DEV resize BYTES
 *   vhdop [-n] DEV compact
 *   vhdop [-n] DEV move FILE [flatten]
 *   vhdop DEV cancel | wait
 * -n: start and return, else wait for the result. A failure prints
 * "vhdop: <what>: <ERRNO-NAME>" and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vhd.h>

static int fail(const char *what)
{
	const char *name = strerrorname_np(errno);

	fprintf(stderr, "vhdop: %s: %s\n", what, name ? name : "?");
	return 1;
}

static int open_rw(const char *path, int flags)
{
	int fd = open(path, O_RDWR | flags, 0644);

	if (fd < 0) {
		fail(path);
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct vhd_op op;
	int fd, nowait = 0, i = 1;
	const char *cmd;

	if (argc > 1 && !strcmp(argv[1], "-n")) {
		nowait = 1;
		i++;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: see vhdop.c\n");
		return 2;
	}
	fd = open(argv[i], O_RDWR);
	if (fd < 0)
		return fail(argv[i]);
	cmd = argv[i + 1];
	argv += i + 2;
	argc -= i + 2;
	memset(&op, 0, sizeof(op));
	op.size = sizeof(op);
	if (!strcmp(cmd, "cancel"))
		return ioctl(fd, VHD_OP_CANCEL) ? fail("cancel") : 0;
	if (!strcmp(cmd, "wait"))
		return ioctl(fd, VHD_OP_WAIT) ? fail("wait") : 0;
	if (!strcmp(cmd, "merge") && argc >= 2) {
		op.op = VHD_OP_MERGE;
		op.level = atoi(argv[0]);
		op.fd = open_rw(argv[1], 0);
		if (argc >= 3) {
			op.child_fd = open_rw(argv[2], 0);
			op.flags |= VHD_OP_F_CHILD_FD;
		}
	} else if (!strcmp(cmd, "resize") && argc >= 1) {
		op.op = VHD_OP_RESIZE;
		op.new_size = strtoull(argv[0], NULL, 0);
	} else if (!strcmp(cmd, "compact")) {
		op.op = VHD_OP_COMPACT;
	} else if (!strcmp(cmd, "move") && argc >= 1) {
		op.op = VHD_OP_MOVE;
		op.fd = open_rw(argv[0], O_CREAT);
		if (argc >= 2 && !strcmp(argv[1], "flatten"))
			op.flags |= VHD_OP_F_FLATTEN;
	} else {
		fprintf(stderr, "vhdop: bad command %s\n", cmd);
		return 2;
	}
	if (ioctl(fd, VHD_OP_START, &op))
		return fail("start");
	if (nowait)
		return 0;
	return ioctl(fd, VHD_OP_WAIT) ? fail("result") : 0;
}
