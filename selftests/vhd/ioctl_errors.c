// SPDX-License-Identifier: GPL-2.0
/*
 * VHD_ATTACH, VHD_DETACH, VHD_GET_INFO and /dev/vhd-control given bad
 * arguments: each is refused with its errno and leaves the device free;
 * the good cases next to them succeed, so a refusal is not an accident.
 * Run through ioctl_errors.sh, which loads vhd.ko and picks the folder.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/vhd.h>

#include "kselftest_harness.h"

/*
 * base.vhd (dynamic), child.vhd and grand.vhd on top, other.vhd an
 * unrelated dynamic image, fixed.vhd, self.vhd a child naming itself.
 */
static const char *const mkimages =
	"set -e; vhd create -t dynamic -s 8M base.vhd >/dev/null;"
	"vhd create -t dynamic -s 8M other.vhd >/dev/null;"
	"vhd create -t fixed -s 8M fixed.vhd >/dev/null;"
	"vhd create -p base.vhd child.vhd >/dev/null;"
	"vhd create -p child.vhd grand.vhd >/dev/null;"
	"cp child.vhd self.vhd;"
	"python3 \"$SRC/selftests/vhd/vhdpatch.py\" self.vhd selfparent";

FIXTURE(attach) {
	int ctl;
	int index;
	int dev;
	struct vhd_attach a;
};

static int open_ro(const char *path)
{
	return open(path, O_RDONLY | O_CLOEXEC);
}

static int open_rw(const char *path)
{
	return open(path, O_RDWR | O_CLOEXEC);
}

FIXTURE_SETUP(attach)
{
	char name[32];

	if (access("self.vhd", F_OK))
		ASSERT_EQ(0, system(mkimages));
	self->ctl = open("/dev/vhd-control", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->ctl) TH_LOG("open /dev/vhd-control: %m");
	self->index = ioctl(self->ctl, VHD_CTL_GET_FREE);
	ASSERT_LE(0, self->index) TH_LOG("VHD_CTL_GET_FREE: %m");
	snprintf(name, sizeof(name), "/dev/vhd%d", self->index);
	self->dev = open(name, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev) TH_LOG("open %s: %m", name);
	memset(&self->a, 0, sizeof(self->a));
	self->a.size = sizeof(self->a);
	self->a.nr_fds = 1;
	self->a.fds[0] = open_rw("base.vhd");
	ASSERT_LE(0, self->a.fds[0]);
}

FIXTURE_TEARDOWN(attach)
{
	ioctl(self->dev, VHD_DETACH);
	close(self->dev);
	close(self->ctl);
}

/* ioctl(dev, VHD_ATTACH, a): 0 or -errno */
static int do_attach(int dev, void *a)
{
	return ioctl(dev, VHD_ATTACH, a) ? -errno : 0;
}

static int do_info(int dev, struct vhd_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(dev, VHD_GET_INFO, info) ? -errno : 0;
}

/* The refusal left nothing behind. */
#define ASSERT_FREE(self) do {						\
	struct vhd_info _i;						\
	ASSERT_EQ(-ENXIO, do_info((self)->dev, &_i));			\
} while (0)

TEST_F(attach, good_base_and_info)
{
	struct vhd_info info;

	ASSERT_EQ(0, do_attach(self->dev, &self->a));
	ASSERT_EQ(0, do_info(self->dev, &info));
	EXPECT_EQ(VHD_TYPE_DYNAMIC, (int)info.type);
	EXPECT_EQ(1, (int)info.depth);
	EXPECT_EQ((unsigned int)self->index, info.index);
	EXPECT_EQ(8ULL << 20, info.virtual_size);
	EXPECT_EQ(0, (int)(info.flags & VHD_FLAG_READ_ONLY));
	/* Busy now: a second attach is refused, detach works once. */
	ASSERT_EQ(-EBUSY, do_attach(self->dev, &self->a));
	ASSERT_EQ(0, ioctl(self->dev, VHD_DETACH));
	ASSERT_EQ(-1, ioctl(self->dev, VHD_DETACH));
	ASSERT_EQ(ENXIO, errno);
}

TEST_F(attach, good_chain_depth3)
{
	struct vhd_info info;

	self->a.fds[0] = open_rw("grand.vhd");
	self->a.fds[1] = open_ro("child.vhd");
	self->a.fds[2] = open_ro("base.vhd");
	self->a.nr_fds = 3;
	ASSERT_EQ(0, do_attach(self->dev, &self->a));
	ASSERT_EQ(0, do_info(self->dev, &info));
	EXPECT_EQ(VHD_TYPE_DIFF, (int)info.type);
	EXPECT_EQ(3, (int)info.depth);
}

TEST_F(attach, size_too_small)
{
	self->a.size = VHD_ATTACH_SIZE_VER0 - 8;
	ASSERT_EQ(-EINVAL, do_attach(self->dev, &self->a));
	self->a.size = 0;
	ASSERT_EQ(-EINVAL, do_attach(self->dev, &self->a));
	ASSERT_FREE(self);
}

/* A newer, larger struct: zero tail accepted, non-zero tail E2BIG. */
TEST_F(attach, size_larger)
{
	struct {
		struct vhd_attach a;
		__u64 more[4];
	} big;

	memset(&big, 0, sizeof(big));
	big.a = self->a;
	big.a.size = sizeof(big);
	big.more[3] = 1;
	ASSERT_EQ(-E2BIG, do_attach(self->dev, &big));
	ASSERT_FREE(self);
	big.more[3] = 0;
	ASSERT_EQ(0, do_attach(self->dev, &big));
}

TEST_F(attach, size_absurd)
{
	self->a.size = 1U << 30;
	ASSERT_NE(0, do_attach(self->dev, &self->a));
	ASSERT_FREE(self);
}

TEST_F(attach, reserved_nonzero)
{
	int i;

	for (i = 0; i < 8; i++) {
		self->a.reserved[i] = 1ULL << (i * 8);
		ASSERT_EQ(-EINVAL, do_attach(self->dev, &self->a));
		self->a.reserved[i] = 0;
	}
	self->a.__pad = 1;
	ASSERT_EQ(-EINVAL, do_attach(self->dev, &self->a));
	ASSERT_FREE(self);
}

TEST_F(attach, unknown_flags)
{
	self->a.flags = VHD_FLAG_ALL + 1;
	ASSERT_EQ(-EINVAL, do_attach(self->dev, &self->a));
	self->a.flags = 1U << 31;
	ASSERT_EQ(-EINVAL, do_attach(self->dev, &self->a));
	ASSERT_FREE(self);
}

TEST_F(attach, nr_fds_range)
{
	self->a.nr_fds = 0;
	ASSERT_EQ(-EINVAL, do_attach(self->dev, &self->a));
	self->a.nr_fds = VHD_MAX_DEPTH + 1;
	ASSERT_EQ(-EINVAL, do_attach(self->dev, &self->a));
	self->a.nr_fds = 0xffffffff;
	ASSERT_EQ(-EINVAL, do_attach(self->dev, &self->a));
	ASSERT_FREE(self);
}

TEST_F(attach, bad_fd)
{
	self->a.fds[0] = -1;
	ASSERT_EQ(-EBADF, do_attach(self->dev, &self->a));
	self->a.fds[0] = 1000000;
	ASSERT_EQ(-EBADF, do_attach(self->dev, &self->a));
	ASSERT_FREE(self);
}

TEST_F(attach, bad_parent_fd)
{
	self->a.fds[0] = open_rw("child.vhd");
	self->a.fds[1] = -1;
	self->a.nr_fds = 2;
	ASSERT_EQ(-EBADF, do_attach(self->dev, &self->a));
	ASSERT_FREE(self);
}

TEST_F(attach, directory)
{
	int ret;

	self->a.fds[0] = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, self->a.fds[0]);
	self->a.flags = VHD_FLAG_READ_ONLY;
	ret = do_attach(self->dev, &self->a);
	ASSERT_TRUE(ret == -EINVAL || ret == -EISDIR)
		TH_LOG("directory attach: %d", ret);
	ASSERT_FREE(self);
}

TEST_F(attach, not_a_vhd)
{
	int fd = open_ro("/proc/self/status");

	ASSERT_LE(0, fd);
	self->a.fds[0] = fd;
	self->a.flags = VHD_FLAG_READ_ONLY;
	ASSERT_NE(0, do_attach(self->dev, &self->a));
	ASSERT_FREE(self);
}

/* Writable attach through an fd opened read-only is not allowed. */
TEST_F(attach, rw_attach_of_ro_fd)
{
	int ret;

	self->a.fds[0] = open_ro("base.vhd");
	ret = do_attach(self->dev, &self->a);
	if (ret == 0) {
		struct vhd_info info;

		/* loop's behaviour: fall back to a read-only device */
		ASSERT_EQ(0, do_info(self->dev, &info));
		ASSERT_NE(0, (int)(info.flags & VHD_FLAG_READ_ONLY));
	} else {
		ASSERT_TRUE(ret == -EBADF || ret == -EACCES || ret == -EPERM ||
			    ret == -EROFS) TH_LOG("got %d", ret);
	}
}

TEST_F(attach, size_override)
{
	struct vhd_info info;

	self->a.size_override = 1000;
	ASSERT_EQ(-EINVAL, do_attach(self->dev, &self->a));
	self->a.size_override = 16ULL << 20;
	ASSERT_EQ(-EINVAL, do_attach(self->dev, &self->a));
	ASSERT_FREE(self);
	self->a.size_override = 4ULL << 20;
	ASSERT_EQ(0, do_attach(self->dev, &self->a));
	ASSERT_EQ(0, do_info(self->dev, &info));
	EXPECT_EQ(4ULL << 20, info.virtual_size);
}

TEST_F(attach, parent_missing)
{
	self->a.fds[0] = open_rw("child.vhd");
	ASSERT_EQ(-ENOENT, do_attach(self->dev, &self->a));
	ASSERT_FREE(self);
}

TEST_F(attach, parent_uuid_mismatch)
{
	self->a.fds[0] = open_rw("child.vhd");
	self->a.fds[1] = open_ro("other.vhd");
	self->a.nr_fds = 2;
	ASSERT_EQ(-ESTALE, do_attach(self->dev, &self->a));
	ASSERT_FREE(self);
}

TEST_F(attach, chain_wrong_order)
{
	self->a.fds[0] = open_rw("grand.vhd");
	self->a.fds[1] = open_ro("base.vhd");
	self->a.fds[2] = open_ro("child.vhd");
	self->a.nr_fds = 3;
	ASSERT_EQ(-ESTALE, do_attach(self->dev, &self->a));
	ASSERT_FREE(self);
}

/* Parents beyond the root of the chain are not silently ignored. */
TEST_F(attach, chain_too_long)
{
	self->a.fds[0] = open_rw("child.vhd");
	self->a.fds[1] = open_ro("base.vhd");
	self->a.fds[2] = open_ro("other.vhd");
	self->a.nr_fds = 3;
	ASSERT_EQ(-EINVAL, do_attach(self->dev, &self->a));
	ASSERT_FREE(self);
}

TEST_F(attach, chain_loop)
{
	int ret;

	/* self.vhd's parent UUID is its own id: only the loop is wrong. */
	self->a.fds[0] = open_rw("self.vhd");
	self->a.fds[1] = open_ro("self.vhd");
	self->a.fds[2] = open_ro("self.vhd");
	self->a.nr_fds = 3;
	ASSERT_EQ(-ELOOP, do_attach(self->dev, &self->a));
	/* The same file as its own parent, through a second open. */
	self->a.nr_fds = 2;
	ret = do_attach(self->dev, &self->a);
	ASSERT_EQ(-ELOOP, ret);
	/* grand -> child -> grand again */
	self->a.fds[0] = open_rw("grand.vhd");
	self->a.fds[1] = open_ro("child.vhd");
	self->a.fds[2] = self->a.fds[0];
	self->a.nr_fds = 3;
	ret = do_attach(self->dev, &self->a);
	ASSERT_TRUE(ret == -ELOOP || ret == -ESTALE) TH_LOG("got %d", ret);
	ASSERT_FREE(self);
}

TEST_F(attach, same_file_twice_writable)
{
	char name[32];
	int other, dev2, ret;

	ASSERT_EQ(0, do_attach(self->dev, &self->a));
	other = ioctl(self->ctl, VHD_CTL_GET_FREE);
	ASSERT_LE(0, other);
	snprintf(name, sizeof(name), "/dev/vhd%d", other);
	dev2 = open(name, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev2);
	self->a.fds[0] = open_rw("base.vhd");
	ret = do_attach(dev2, &self->a);
	/* Two writers on one image would corrupt it; loop allows, we don't. */
	if (ret == 0)
		ioctl(dev2, VHD_DETACH);
	close(dev2);
	ASSERT_EQ(-EBUSY, ret);
}

TEST_F(attach, fixed_with_parent)
{
	self->a.fds[0] = open_rw("fixed.vhd");
	self->a.fds[1] = open_ro("base.vhd");
	self->a.nr_fds = 2;
	ASSERT_EQ(-EINVAL, do_attach(self->dev, &self->a));
	ASSERT_FREE(self);
}

TEST_F(attach, detach_and_info_when_free)
{
	struct vhd_info info;

	ASSERT_EQ(-1, ioctl(self->dev, VHD_DETACH));
	ASSERT_EQ(ENXIO, errno);
	ASSERT_EQ(-ENXIO, do_info(self->dev, &info));
}

TEST_F(attach, info_size)
{
	struct vhd_info info;

	ASSERT_EQ(0, do_attach(self->dev, &self->a));
	/* Shorter than the first version: refused, or at most 8 bytes filled. */
	memset(&info, 0, sizeof(info));
	info.size = 8;
	if (ioctl(self->dev, VHD_GET_INFO, &info) == 0) {
		EXPECT_GE(8, (int)info.size);
		EXPECT_EQ(0ULL, info.virtual_size);
	} else {
		ASSERT_EQ(EINVAL, errno);
	}
	info.size = VHD_INFO_SIZE_VER0;
	ASSERT_EQ(0, ioctl(self->dev, VHD_GET_INFO, &info));
	EXPECT_EQ(VHD_INFO_SIZE_VER0, (int)info.size);
	EXPECT_EQ(8ULL << 20, info.virtual_size);
}

TEST_F(attach, control_device)
{
	int n;

	/* ADD of an existing index: EEXIST. */
	ASSERT_EQ(-1, ioctl(self->ctl, VHD_CTL_ADD, self->index));
	ASSERT_EQ(EEXIST, errno);
	/* REMOVE of an attached device: EBUSY. */
	ASSERT_EQ(0, do_attach(self->dev, &self->a));
	ASSERT_EQ(-1, ioctl(self->ctl, VHD_CTL_REMOVE, self->index));
	ASSERT_EQ(EBUSY, errno);
	ASSERT_EQ(0, ioctl(self->dev, VHD_DETACH));
	/* REMOVE of a missing index and of a negative one fail. */
	ASSERT_EQ(-1, ioctl(self->ctl, VHD_CTL_REMOVE, 999999));
	ASSERT_EQ(-1, ioctl(self->ctl, VHD_CTL_REMOVE, -5));
	/* ADD -1 gives a new index that REMOVE takes back. */
	n = ioctl(self->ctl, VHD_CTL_ADD, -1);
	ASSERT_LE(0, n);
	ASSERT_NE(self->index, n);
	ASSERT_EQ(0, ioctl(self->ctl, VHD_CTL_REMOVE, n));
	/* An unknown control ioctl. */
	ASSERT_EQ(-1, ioctl(self->ctl, _IO(VHD_IOC_MAGIC, 0x0f)));
}

TEST_F(attach, unknown_dev_ioctl)
{
	ASSERT_EQ(-1, ioctl(self->dev, _IO(VHD_IOC_MAGIC, 0x1f), 0));
	ASSERT_TRUE(errno == ENOTTY || errno == EINVAL);
}

/* VHD_OP_START: 0 or -errno; the struct starts zeroed with its size. */
static int do_op(int dev, struct vhd_op *op)
{
	return ioctl(dev, VHD_OP_START, op) ? -errno : 0;
}

static void op_init(struct vhd_op *op, unsigned int code)
{
	memset(op, 0, sizeof(*op));
	op->size = sizeof(*op);
	op->op = code;
}

/* Each malformed request is refused and no operation starts. */
TEST_F(attach, op_bad_arguments)
{
	struct {
		struct vhd_op op;
		__u64 tail;
	} big;
	struct vhd_op op;
	int fd;

	ASSERT_EQ(0, do_attach(self->dev, &self->a));
	op_init(&op, VHD_OP_COMPACT);
	op.size = VHD_OP_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, do_op(self->dev, &op));
	op.size = 1U << 20;
	EXPECT_EQ(-E2BIG, do_op(self->dev, &op));
	memset(&big, 0, sizeof(big));
	big.op.size = sizeof(big);
	big.op.op = VHD_OP_COMPACT;
	big.tail = 1;
	EXPECT_EQ(-E2BIG, do_op(self->dev, &big.op));
	EXPECT_EQ(-EFAULT, ioctl(self->dev, VHD_OP_START, (void *)8) ? -errno : 0);
	op_init(&op, 0);
	EXPECT_EQ(-EINVAL, do_op(self->dev, &op));
	op_init(&op, 99);
	EXPECT_EQ(-EINVAL, do_op(self->dev, &op));
	op_init(&op, VHD_OP_COMPACT);
	op.reserved[5] = 1;
	EXPECT_EQ(-EINVAL, do_op(self->dev, &op));
	op_init(&op, VHD_OP_COMPACT);
	op.flags = 0x80;
	EXPECT_EQ(-EINVAL, do_op(self->dev, &op));
	op_init(&op, VHD_OP_COMPACT);
	op.flags = VHD_OP_F_FLATTEN;		/* a move flag */
	EXPECT_EQ(-EINVAL, do_op(self->dev, &op));
	op_init(&op, VHD_OP_COMPACT);
	op.new_size = 1U << 30;			/* a resize field */
	EXPECT_EQ(-EINVAL, do_op(self->dev, &op));
	op_init(&op, VHD_OP_RESIZE);
	op.level = 1;				/* a merge field */
	op.new_size = 16U << 20;
	EXPECT_EQ(-EINVAL, do_op(self->dev, &op));
	op_init(&op, VHD_OP_RESIZE);
	op.new_size = (16U << 20) + 1;
	EXPECT_EQ(-EINVAL, do_op(self->dev, &op));
	op.new_size = 4U << 20;			/* a shrink */
	EXPECT_EQ(-EINVAL, do_op(self->dev, &op));
	op.new_size = 3000ULL << 30;		/* above 2040 GiB */
	EXPECT_EQ(-EINVAL, do_op(self->dev, &op));
	op_init(&op, VHD_OP_MOVE);
	op.fd = 1000;
	EXPECT_EQ(-EBADF, do_op(self->dev, &op));
	fd = open_ro("other.vhd");
	op.fd = fd;				/* not open read-write */
	EXPECT_EQ(-EBADF, do_op(self->dev, &op));
	close(fd);
	op.fd = open_rw("base.vhd");		/* the image itself */
	EXPECT_EQ(-EINVAL, do_op(self->dev, &op));
	close(op.fd);
	op.fd = open_rw("other.vhd");		/* not empty */
	EXPECT_EQ(-EEXIST, do_op(self->dev, &op));
	close(op.fd);
	op_init(&op, VHD_OP_MERGE);
	op.fd = open_rw("other.vhd");		/* depth 1: nothing to merge */
	EXPECT_EQ(-EINVAL, do_op(self->dev, &op));
	close(op.fd);
	/* nothing ran: WAIT has no result to give, CANCEL nothing to stop */
	EXPECT_EQ(0, ioctl(self->dev, VHD_OP_WAIT));
	EXPECT_EQ(-1, ioctl(self->dev, VHD_OP_CANCEL));
	EXPECT_EQ(ENXIO, errno);
	/* and a good request still works (nothing to compact: no change) */
	op_init(&op, VHD_OP_COMPACT);
	ASSERT_EQ(0, do_op(self->dev, &op));
	EXPECT_EQ(0, ioctl(self->dev, VHD_OP_WAIT));
}

/* Operations need a device open for writing and an attached image. */
TEST_F(attach, op_device_state)
{
	struct vhd_op op;
	char name[32];
	int ro;

	op_init(&op, VHD_OP_COMPACT);
	EXPECT_EQ(-ENXIO, do_op(self->dev, &op));
	ASSERT_EQ(0, do_attach(self->dev, &self->a));
	snprintf(name, sizeof(name), "/dev/vhd%d", self->index);
	ro = open(name, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EBADF, do_op(ro, &op));
	close(ro);
}

TEST_HARNESS_MAIN
