// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl ABI of csv.ko on /dev/csv-control (<linux/csv.h>): every
 * struct's size rules, reserved fields and flags, names, fds and the
 * state checks, each refused with its own errno; the correct call next to
 * each refusal succeeds, so a refusal is not an accident.
 *
 * Run by csv_abi.sh on a one-node cluster: volume "vol1" on
 * /dev/mapper/shared, formatted and joined by node 1 (10.77.0.1), the
 * coordinator. The last test leaves the volume and joins it again.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/csv.h>
#include <linux/fs.h>

#include "kselftest_harness.h"

#define CTL_PATH	"/dev/csv-control"
#define LUN_PATH	"/dev/mapper/shared"
#define SCRATCH_PATH	"/dev/scratch"
#define VOL		"vol1"
#define NODE_ADDR	0x0a4d0001	/* 10.77.0.1 */
#define MIB		(1024ULL * 1024)

/* Two disks every disk test can count on. */
#define DISK0		"abi0"
#define DISK0_BYTES	(8 * MIB)
#define DISK1		"abi1"
#define DISK1_BYTES	(4 * MIB)

/* ioctl(fd, req, arg): 0 or the errno. */
static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? errno : 0;
}

static int open_ctl(void)
{
	return open(CTL_PATH, O_RDWR | O_CLOEXEC);
}

static void join_init(struct csv_join *j, int lun_fd)
{
	__u32 a = htobe32(NODE_ADDR);

	memset(j, 0, sizeof(*j));
	j->size = sizeof(*j);
	j->lun_fd = lun_fd;
	j->port = CSV_DEFAULT_PORT;
	j->family = CSV_AF_INET;
	memcpy(j->addr, &a, sizeof(a));
	j->timeout_ms = 30000;
}

static void status_init(struct csv_status *s, const char *vol)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	memcpy(s->volume, vol, strnlen(vol, sizeof(s->volume) - 1));
}

static void list_init(struct csv_list *l, void *entries, __u32 count, __u32 esize)
{
	memset(l, 0, sizeof(*l));
	l->size = sizeof(*l);
	strcpy(l->volume, VOL);
	l->count = count;
	l->entry_size = esize;
	l->entries = (__u64)(unsigned long)entries;
}

static void req_init(struct csv_disk_req *r, const char *disk, __u64 bytes)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	strcpy(r->volume, VOL);
	memcpy(r->disk, disk, strnlen(disk, sizeof(r->disk) - 1));
	r->bytes = bytes;
}

/* A disk request on DISK of VOL: 0 or the errno. */
static int disk_op(int ctl, unsigned long cmd, const char *disk, __u64 bytes,
		   __u32 flags)
{
	struct csv_disk_req r;

	req_init(&r, disk, bytes);
	r.flags = flags;
	return xioctl(ctl, cmd, &r);
}

static int leave(int ctl, const char *vol)
{
	struct csv_leave l;

	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	memcpy(l.volume, vol, strnlen(vol, sizeof(l.volume) - 1));
	return xioctl(ctl, CSV_LEAVE, &l);
}

/* The disks of VOL, at most max of them into e: the count or -errno. */
static int list_disks(int ctl, struct csv_disk_info *e, __u32 max)
{
	struct csv_list l;
	int ret;

	list_init(&l, e, max, sizeof(*e));
	ret = xioctl(ctl, CSV_LIST, &l);
	return ret ? -ret : (int)l.count;
}

/* ---- /dev/csv-control itself and who may use it ---------------------- */

FIXTURE(ctl) {
	int ctl;
};

FIXTURE_SETUP(ctl)
{
	self->ctl = open_ctl();
	ASSERT_LE(0, self->ctl) TH_LOG("open %s: %m", CTL_PATH);
}

FIXTURE_TEARDOWN(ctl)
{
	close(self->ctl);
}

TEST_F(ctl, unknown_ioctl)
{
	struct csv_status s;

	status_init(&s, VOL);
	ASSERT_EQ(ENOTTY, xioctl(self->ctl, _IOWR(CSV_IOC_MAGIC, 42, struct csv_status), &s));
	ASSERT_EQ(ENOTTY, xioctl(self->ctl, _IOWR(CSV_IOC_MAGIC, 10, struct csv_disk_req), &s));
	/* CSV_STATUS with another size encoded is another ioctl. */
	ASSERT_EQ(ENOTTY, xioctl(self->ctl, _IOWR(CSV_IOC_MAGIC, 2, struct csv_join), &s));
	ASSERT_EQ(0, xioctl(self->ctl, CSV_STATUS, &s));
}

/* In a child: drop CAP_SYS_ADMIN (capset) or become nobody, try STATUS. */
static int unprivileged_status(int ctl, bool setuid_nobody)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	struct csv_status s;
	struct csv_disk_req r;
	int status, e1, e2;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (setuid_nobody) {
			if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
				_exit(100);
		} else {
			if (syscall(SYS_capget, &h, d))
				_exit(101);
			d[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
			d[CAP_SYS_ADMIN / 32].permitted &= ~(1U << (CAP_SYS_ADMIN % 32));
			if (syscall(SYS_capset, &h, d))
				_exit(102);
		}
		status_init(&s, VOL);
		e1 = xioctl(ctl, CSV_STATUS, &s);
		req_init(&r, DISK0, 0);
		e2 = xioctl(ctl, CSV_OPEN, &r);
		_exit(e1 == EPERM && e2 == EPERM ? 0 : 103);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(ctl, unprivileged)
{
	struct csv_status s;

	/* The fd was opened by root: the ioctl itself wants CAP_SYS_ADMIN. */
	ASSERT_EQ(0, unprivileged_status(self->ctl, false));
	ASSERT_EQ(0, unprivileged_status(self->ctl, true));
	status_init(&s, VOL);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_STATUS, &s));
}

/* Each ioctl's size: below its first version, larger with trailing bytes. */
TEST_F(ctl, struct_sizes)
{
	struct {
		struct csv_status s;
		__u64 more[2];
	} bs;
	struct {
		struct csv_leave l;
		__u64 more;
	} bl;
	struct {
		struct csv_list l;
		__u64 more;
	} bli;
	struct {
		struct csv_disk_req r;
		__u64 more;
	} br;

	status_init(&bs.s, VOL);
	bs.s.size = 0;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_STATUS, &bs));
	bs.s.size = CSV_STATUS_SIZE_VER0 - 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_STATUS, &bs));
	bs.s.size = sizeof(bs);
	bs.more[0] = 0;
	bs.more[1] = 1ULL << 63;
	ASSERT_EQ(E2BIG, xioctl(self->ctl, CSV_STATUS, &bs));
	/* Zero trailing bytes: accepted, and the kernel writes only its part. */
	bs.more[1] = 0;
	ASSERT_EQ(0, xioctl(self->ctl, CSV_STATUS, &bs));
	ASSERT_EQ(CSV_STATUS_SIZE_VER0, bs.s.size);
	ASSERT_EQ(1, bs.s.nodeid);
	ASSERT_EQ(0, bs.more[0]);
	ASSERT_EQ(0, bs.more[1]);

	/* Leave is refused before it looks at the volume. */
	memset(&bl, 0, sizeof(bl));
	strcpy(bl.l.volume, VOL);
	bl.l.size = CSV_LEAVE_SIZE_VER0 - 4;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_LEAVE, &bl));
	bl.l.size = sizeof(bl);
	bl.more = 1;
	ASSERT_EQ(E2BIG, xioctl(self->ctl, CSV_LEAVE, &bl));

	list_init(&bli.l, NULL, 0, sizeof(struct csv_disk_info));
	bli.more = 0;
	bli.l.size = 8;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_LIST, &bli));
	bli.l.size = sizeof(bli);
	bli.more = 0xff;
	ASSERT_EQ(E2BIG, xioctl(self->ctl, CSV_LIST, &bli));
	bli.more = 0;
	ASSERT_EQ(0, xioctl(self->ctl, CSV_LIST, &bli));

	req_init(&br.r, "nosuch", 0);
	br.more = 0;
	br.r.size = CSV_DISK_REQ_SIZE_VER0 - 8;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_OPEN, &br));
	br.r.size = sizeof(br);
	br.more = 1;
	ASSERT_EQ(E2BIG, xioctl(self->ctl, CSV_OPEN, &br));
	br.more = 0;
	ASSERT_EQ(ENOENT, xioctl(self->ctl, CSV_OPEN, &br));
}

/* ---- CSV_JOIN: the volume is joined already ------------------------------ */

FIXTURE(join) {
	int ctl;
	int lun;
	struct csv_join j;
};

FIXTURE_SETUP(join)
{
	self->ctl = open_ctl();
	ASSERT_LE(0, self->ctl) TH_LOG("open %s: %m", CTL_PATH);
	self->lun = open(LUN_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->lun) TH_LOG("open %s: %m", LUN_PATH);
	join_init(&self->j, self->lun);
}

FIXTURE_TEARDOWN(join)
{
	close(self->lun);
	close(self->ctl);
}

/* The correct struct passes every check and finds the volume joined. */
TEST_F(join, again_eexist)
{
	ASSERT_EQ(EEXIST, xioctl(self->ctl, CSV_JOIN, &self->j));
	/* Nothing was written back. */
	ASSERT_EQ(0, self->j.nodeid);
	ASSERT_EQ(0, self->j.volume[0]);
	/* IPv6 is as good, all 16 bytes of it. */
	memset(self->j.addr, 0xfd, sizeof(self->j.addr));
	self->j.family = CSV_AF_INET6;
	ASSERT_EQ(EEXIST, xioctl(self->ctl, CSV_JOIN, &self->j));
}

TEST_F(join, size)
{
	struct {
		struct csv_join j;
		__u8 more[24];
	} big;

	self->j.size = 0;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_JOIN, &self->j));
	self->j.size = CSV_JOIN_SIZE_VER0 - 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_JOIN, &self->j));
	self->j.size = 4;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_JOIN, &self->j));

	memset(&big, 0, sizeof(big));
	big.j = self->j;
	big.j.size = sizeof(big);
	big.more[sizeof(big.more) - 1] = 1;
	ASSERT_EQ(E2BIG, xioctl(self->ctl, CSV_JOIN, &big));
	big.more[sizeof(big.more) - 1] = 0;
	big.more[0] = 0x80;
	ASSERT_EQ(E2BIG, xioctl(self->ctl, CSV_JOIN, &big));
	/* Zero trailing bytes: past the size check, on to the volume. */
	big.more[0] = 0;
	ASSERT_EQ(EEXIST, xioctl(self->ctl, CSV_JOIN, &big));
	self->j.size = CSV_JOIN_SIZE_VER0;
	ASSERT_EQ(EEXIST, xioctl(self->ctl, CSV_JOIN, &self->j));
}

TEST_F(join, flags)
{
	self->j.flags = 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_JOIN, &self->j));
	self->j.flags = 1U << 31;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_JOIN, &self->j));
	self->j.flags = 0;
	ASSERT_EQ(EEXIST, xioctl(self->ctl, CSV_JOIN, &self->j));
}

TEST_F(join, out_fields_prefilled)
{
	self->j.nodeid = 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_JOIN, &self->j));
	self->j.nodeid = 0;
	strcpy(self->j.volume, VOL);
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_JOIN, &self->j));
	memset(self->j.volume, 0, sizeof(self->j.volume));
	self->j.volume[sizeof(self->j.volume) - 1] = 'x';
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_JOIN, &self->j));
	self->j.volume[sizeof(self->j.volume) - 1] = 0;
	ASSERT_EQ(EEXIST, xioctl(self->ctl, CSV_JOIN, &self->j));
}

TEST_F(join, address)
{
	self->j.family = 5;
	ASSERT_EQ(EAFNOSUPPORT, xioctl(self->ctl, CSV_JOIN, &self->j));
	self->j.family = 0;
	ASSERT_EQ(EAFNOSUPPORT, xioctl(self->ctl, CSV_JOIN, &self->j));
	self->j.family = 2;	/* AF_INET is not CSV_AF_INET */
	ASSERT_EQ(EAFNOSUPPORT, xioctl(self->ctl, CSV_JOIN, &self->j));
	self->j.family = CSV_AF_INET;
	self->j.port = 0;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_JOIN, &self->j));
	self->j.port = CSV_DEFAULT_PORT;
	self->j.addr[4] = 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_JOIN, &self->j));
	self->j.addr[4] = 0;
	self->j.addr[15] = 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_JOIN, &self->j));
	self->j.addr[15] = 0;
	ASSERT_EQ(EEXIST, xioctl(self->ctl, CSV_JOIN, &self->j));
}

TEST_F(join, lun_fd)
{
	char path[] = "/tmp/csv_abi.XXXXXX";
	int f, ro;

	self->j.lun_fd = -1;
	ASSERT_EQ(EBADF, xioctl(self->ctl, CSV_JOIN, &self->j));
	self->j.lun_fd = 1000;	/* not open */
	ASSERT_EQ(EBADF, xioctl(self->ctl, CSV_JOIN, &self->j));

	/* A regular file, open for writing. */
	f = mkstemp(path);
	ASSERT_LE(0, f) TH_LOG("mkstemp: %m");
	unlink(path);
	ASSERT_EQ(0, ftruncate(f, 16 * MIB));
	self->j.lun_fd = f;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_JOIN, &self->j));
	close(f);

	/* A character device: the control device itself. */
	self->j.lun_fd = self->ctl;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_JOIN, &self->j));

	/* The LUN, read-only. */
	ro = open(LUN_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro) TH_LOG("open %s: %m", LUN_PATH);
	self->j.lun_fd = ro;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_JOIN, &self->j));
	close(ro);

	self->j.lun_fd = self->lun;
	ASSERT_EQ(EEXIST, xioctl(self->ctl, CSV_JOIN, &self->j));
}

/* A block device of zeros: no csv superblock on it. */
TEST_F(join, no_volume)
{
	char buf[8192], zero[8192];
	int fd;

	fd = open(SCRATCH_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s: %m", SCRATCH_PATH);
	memset(zero, 0, sizeof(zero));
	ASSERT_EQ(sizeof(buf), pread(fd, buf, sizeof(buf), 0));
	ASSERT_EQ(0, memcmp(buf, zero, sizeof(buf))) TH_LOG("%s is not blank", SCRATCH_PATH);
	self->j.lun_fd = fd;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_JOIN, &self->j));
	close(fd);
	self->j.lun_fd = self->lun;
	ASSERT_EQ(EEXIST, xioctl(self->ctl, CSV_JOIN, &self->j));
}

/* ---- CSV_STATUS ---------------------------------------------------------- */

FIXTURE(status) {
	int ctl;
	struct csv_status s;
};

FIXTURE_SETUP(status)
{
	self->ctl = open_ctl();
	ASSERT_LE(0, self->ctl) TH_LOG("open %s: %m", CTL_PATH);
	status_init(&self->s, VOL);
}

FIXTURE_TEARDOWN(status)
{
	close(self->ctl);
}

TEST_F(status, ok)
{
	ASSERT_EQ(0, xioctl(self->ctl, CSV_STATUS, &self->s));
	ASSERT_STREQ(VOL, self->s.volume);
	ASSERT_EQ(sizeof(self->s), self->s.size);
	ASSERT_EQ(0, self->s.flags);
	ASSERT_EQ(CSV_ROLE_COORDINATOR, self->s.role);
	ASSERT_EQ(1, self->s.nodeid);
	ASSERT_EQ(1, self->s.coordinator);
	ASSERT_EQ(1, self->s.members);
	ASSERT_LT(0, self->s.lun_bytes);
	ASSERT_LE(self->s.free_bytes, self->s.lun_bytes);
	ASSERT_LE(4096, self->s.alloc_unit);
	ASSERT_EQ(0, self->s.alloc_unit & (self->s.alloc_unit - 1));
	ASSERT_EQ(0, self->s.open_disks);
	ASSERT_EQ(0, self->s.state);

	/* An empty name: the first volume joined. */
	status_init(&self->s, "");
	ASSERT_EQ(0, xioctl(self->ctl, CSV_STATUS, &self->s));
	ASSERT_STREQ(VOL, self->s.volume);
}

TEST_F(status, not_joined)
{
	status_init(&self->s, "nosuch");
	ASSERT_EQ(ENOENT, xioctl(self->ctl, CSV_STATUS, &self->s));
	status_init(&self->s, VOL "x");
	ASSERT_EQ(ENOENT, xioctl(self->ctl, CSV_STATUS, &self->s));
	status_init(&self->s, VOL);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_STATUS, &self->s));
}

TEST_F(status, prefilled)
{
	self->s.flags = 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_STATUS, &self->s));
	self->s.flags = 0;
	self->s.nodeid = 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_STATUS, &self->s));
	self->s.nodeid = 0;
	self->s.role = CSV_ROLE_COORDINATOR;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_STATUS, &self->s));
	self->s.role = 0;
	self->s.epoch = 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_STATUS, &self->s));
	self->s.epoch = 0;
	self->s.state = 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_STATUS, &self->s));
	self->s.state = 0;
	memset(self->s.volume, 'v', sizeof(self->s.volume));
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_STATUS, &self->s));
	status_init(&self->s, VOL);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_STATUS, &self->s));
}

/* ---- the disk requests --------------------------------------------------- */

static void redirect_init(struct csv_redirect *r, const char *vol, __u32 flags)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	r->flags = flags;
	memcpy(r->volume, vol, strnlen(vol, sizeof(r->volume) - 1));
}

/* Forced redirected mode: this node's and the volume's, seen in status. */
TEST_F(status, redirect)
{
	struct csv_redirect r;

	redirect_init(&r, VOL, CSV_REDIRECT_ON);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_REDIRECT, &r));
	status_init(&self->s, VOL);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_STATUS, &self->s));
	ASSERT_EQ(CSV_STATE_REDIRECT_NODE, self->s.state);
	redirect_init(&r, VOL, CSV_REDIRECT_ON | CSV_REDIRECT_VOLUME);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_REDIRECT, &r));
	status_init(&self->s, VOL);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_STATUS, &self->s));
	ASSERT_EQ(CSV_STATE_REDIRECT_NODE | CSV_STATE_REDIRECT_VOLUME,
		  self->s.state);
	redirect_init(&r, VOL, CSV_REDIRECT_VOLUME);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_REDIRECT, &r));
	redirect_init(&r, VOL, 0);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_REDIRECT, &r));
	status_init(&self->s, VOL);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_STATUS, &self->s));
	ASSERT_EQ(0, self->s.state);
}

TEST_F(status, redirect_bad)
{
	struct csv_redirect r;

	redirect_init(&r, VOL, 0x4);
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_REDIRECT, &r));
	redirect_init(&r, VOL, 0);
	r.size = CSV_REDIRECT_SIZE_VER0 - 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_REDIRECT, &r));
	redirect_init(&r, "", CSV_REDIRECT_ON);
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_REDIRECT, &r));
	redirect_init(&r, VOL, CSV_REDIRECT_ON);
	memset(r.volume, 'v', sizeof(r.volume));
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_REDIRECT, &r));
	redirect_init(&r, "nosuch", CSV_REDIRECT_ON);
	ASSERT_EQ(ENOTCONN, xioctl(self->ctl, CSV_REDIRECT, &r));
	ASSERT_EQ(EFAULT, xioctl(self->ctl, CSV_REDIRECT, NULL));
	/* Nothing of it stuck. */
	status_init(&self->s, VOL);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_STATUS, &self->s));
	ASSERT_EQ(0, self->s.state);
}

FIXTURE(disk) {
	int ctl;
	struct csv_disk_req r;
};

static int ensure_disk(int ctl, const char *name, __u64 bytes)
{
	int ret = disk_op(ctl, CSV_CREATE, name, bytes, 0);

	return ret == EEXIST ? 0 : ret;
}

FIXTURE_SETUP(disk)
{
	self->ctl = open_ctl();
	ASSERT_LE(0, self->ctl) TH_LOG("open %s: %m", CTL_PATH);
	ASSERT_EQ(0, ensure_disk(self->ctl, DISK0, DISK0_BYTES));
	ASSERT_EQ(0, ensure_disk(self->ctl, DISK1, DISK1_BYTES));
	req_init(&self->r, "abi-new", MIB);
}

FIXTURE_TEARDOWN(disk)
{
	disk_op(self->ctl, CSV_CLOSE, DISK0, 0, 0);
	disk_op(self->ctl, CSV_DELETE, "abi-new", 0, 0);
	close(self->ctl);
}

/* CREATE self->r, expect 0, delete it again. */
static int create_delete(int ctl, struct csv_disk_req *r)
{
	int ret = xioctl(ctl, CSV_CREATE, r);

	if (ret)
		return ret;
	if (!r->id)
		return -1;
	return disk_op(ctl, CSV_DELETE, r->disk, 0, 0);
}

TEST_F(disk, create_returns_id)
{
	__u64 id;

	ASSERT_EQ(0, xioctl(self->ctl, CSV_CREATE, &self->r));
	id = self->r.id;
	ASSERT_NE(0, id);
	ASSERT_EQ(sizeof(self->r), self->r.size);
	ASSERT_EQ(0, self->r.index);
	ASSERT_EQ(0, self->r.minor);
	ASSERT_EQ(0, disk_op(self->ctl, CSV_DELETE, "abi-new", 0, 0));
	ASSERT_EQ(ENOENT, disk_op(self->ctl, CSV_DELETE, "abi-new", 0, 0));
	/* Ids are never reused within the volume. */
	req_init(&self->r, "abi-new", 2 * MIB);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_CREATE, &self->r));
	ASSERT_LT(id, self->r.id);
}

TEST_F(disk, unknown_flags)
{
	self->r.flags = 0x4;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_CREATE, &self->r));
	self->r.flags = 1U << 31;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_CREATE, &self->r));
	/* Each flag belongs to one request. */
	self->r.flags = CSV_OPEN_READ_ONLY;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_CREATE, &self->r));
	self->r.flags = CSV_RESIZE_SHRINK;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_CREATE, &self->r));
	ASSERT_EQ(EINVAL, disk_op(self->ctl, CSV_DELETE, DISK1, 0, CSV_RESIZE_SHRINK));
	ASSERT_EQ(EINVAL, disk_op(self->ctl, CSV_CLOSE, DISK1, 0, CSV_OPEN_READ_ONLY));
	ASSERT_EQ(EINVAL, disk_op(self->ctl, CSV_RESIZE, DISK1, DISK1_BYTES,
				  CSV_OPEN_READ_ONLY));
	ASSERT_EQ(EINVAL, disk_op(self->ctl, CSV_OPEN, DISK0, 0, 0x4));
	self->r.flags = 0;
	ASSERT_EQ(0, create_delete(self->ctl, &self->r));
}

TEST_F(disk, open_with_shrink_flag)
{
	ASSERT_EQ(EINVAL, disk_op(self->ctl, CSV_OPEN, DISK0, 0, CSV_RESIZE_SHRINK));
	ASSERT_EQ(EINVAL, disk_op(self->ctl, CSV_OPEN, DISK0, 0,
				  CSV_RESIZE_SHRINK | CSV_OPEN_READ_ONLY));
	ASSERT_EQ(0, disk_op(self->ctl, CSV_OPEN, DISK0, 0, 0));
	ASSERT_EQ(0, disk_op(self->ctl, CSV_CLOSE, DISK0, 0, 0));
	ASSERT_EQ(0, disk_op(self->ctl, CSV_OPEN, DISK0, 0, CSV_OPEN_READ_ONLY));
	ASSERT_EQ(0, disk_op(self->ctl, CSV_CLOSE, DISK0, 0, 0));
}

TEST_F(disk, create_size)
{
	self->r.bytes = 0;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_CREATE, &self->r));
	self->r.bytes = 1000;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_CREATE, &self->r));
	self->r.bytes = MIB + 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_CREATE, &self->r));
	self->r.bytes = 512;
	ASSERT_EQ(0, create_delete(self->ctl, &self->r));
	req_init(&self->r, "abi-new", 1536);
	ASSERT_EQ(0, create_delete(self->ctl, &self->r));
}

TEST_F(disk, create_too_big)
{
	struct csv_status s;

	status_init(&s, VOL);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_STATUS, &s));
	self->r.bytes = s.lun_bytes & ~511ULL;
	ASSERT_EQ(ENOSPC, xioctl(self->ctl, CSV_CREATE, &self->r));
	self->r.bytes = s.free_bytes + s.alloc_unit;
	ASSERT_EQ(ENOSPC, xioctl(self->ctl, CSV_CREATE, &self->r));
	self->r.bytes = 1ULL << 40;
	ASSERT_EQ(ENOSPC, xioctl(self->ctl, CSV_CREATE, &self->r));
	self->r.bytes = ~511ULL;
	ASSERT_EQ(ENOSPC, xioctl(self->ctl, CSV_CREATE, &self->r));
	/* Nothing was left behind. */
	ASSERT_EQ(ENOENT, disk_op(self->ctl, CSV_OPEN, "abi-new", 0, 0));
	self->r.bytes = MIB;
	ASSERT_EQ(0, create_delete(self->ctl, &self->r));
}

TEST_F(disk, names)
{
	static const char *const bad[] = { "a/b", ".x", "-x", "a b", "a\\b", "\xc3\xa9" };
	char name[CSV_DISK_NAME_MAX];
	unsigned int i;

	/* 48 characters leave no room for the NUL. */
	memset(self->r.disk, 'a', sizeof(self->r.disk));
	ASSERT_EQ(ENAMETOOLONG, xioctl(self->ctl, CSV_CREATE, &self->r));
	req_init(&self->r, DISK0, 0);
	memset(self->r.disk, 'a', sizeof(self->r.disk));
	ASSERT_EQ(ENAMETOOLONG, xioctl(self->ctl, CSV_OPEN, &self->r));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		req_init(&self->r, bad[i], MIB);
		EXPECT_EQ(EINVAL, xioctl(self->ctl, CSV_CREATE, &self->r))
			TH_LOG("name '%s'", bad[i]);
	}
	ASSERT_EQ(EINVAL, disk_op(self->ctl, CSV_CREATE, "", MIB, 0));
	/* 47 characters is the longest name. */
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	req_init(&self->r, name, MIB);
	ASSERT_EQ(0, create_delete(self->ctl, &self->r));
	req_init(&self->r, "a.b_c-D9", MIB);
	ASSERT_EQ(0, create_delete(self->ctl, &self->r));
}

TEST_F(disk, not_joined)
{
	strcpy(self->r.volume, "nosuch");
	ASSERT_EQ(ENOTCONN, xioctl(self->ctl, CSV_CREATE, &self->r));
	req_init(&self->r, DISK0, 0);
	strcpy(self->r.volume, "nosuch");
	ASSERT_EQ(ENOTCONN, xioctl(self->ctl, CSV_OPEN, &self->r));
	ASSERT_EQ(ENOTCONN, xioctl(self->ctl, CSV_CLOSE, &self->r));
	ASSERT_EQ(ENOTCONN, xioctl(self->ctl, CSV_DELETE, &self->r));
	/* The empty name picks no volume for a disk request. */
	memset(self->r.volume, 0, sizeof(self->r.volume));
	ASSERT_EQ(ENOTCONN, xioctl(self->ctl, CSV_OPEN, &self->r));
	req_init(&self->r, "abi-new", MIB);
	ASSERT_EQ(0, create_delete(self->ctl, &self->r));
}

TEST_F(disk, new_name_outside_rename)
{
	strcpy(self->r.new_name, "abi-other");
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_CREATE, &self->r));
	req_init(&self->r, DISK1, 0);
	self->r.new_name[sizeof(self->r.new_name) - 1] = 'x';
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_OPEN, &self->r));
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_DELETE, &self->r));
	req_init(&self->r, "abi-new", MIB);
	ASSERT_EQ(0, create_delete(self->ctl, &self->r));
}

TEST_F(disk, out_fields_prefilled)
{
	self->r.id = 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_CREATE, &self->r));
	self->r.id = 0;
	self->r.minor = 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_CREATE, &self->r));
	self->r.minor = 0;
	self->r.index = 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_CREATE, &self->r));
	req_init(&self->r, DISK0, 0);
	self->r.index = 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_OPEN, &self->r));
	req_init(&self->r, "abi-new", MIB);
	ASSERT_EQ(0, create_delete(self->ctl, &self->r));
}

TEST_F(disk, unterminated_volume)
{
	memset(self->r.volume, 'v', sizeof(self->r.volume));
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_CREATE, &self->r));
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_CLOSE, &self->r));
	/* The disk name too. */
	req_init(&self->r, DISK0, 0);
	memset(self->r.disk, 'd', sizeof(self->r.disk));
	ASSERT_EQ(ENAMETOOLONG, xioctl(self->ctl, CSV_OPEN, &self->r));
	req_init(&self->r, "abi-new", MIB);
	ASSERT_EQ(0, create_delete(self->ctl, &self->r));
}

TEST_F(disk, bytes_where_none_belong)
{
	ASSERT_EQ(EINVAL, disk_op(self->ctl, CSV_DELETE, DISK1, 512, 0));
	ASSERT_EQ(EINVAL, disk_op(self->ctl, CSV_OPEN, DISK0, 512, 0));
	ASSERT_EQ(EINVAL, disk_op(self->ctl, CSV_CLOSE, DISK0, 512, 0));
	req_init(&self->r, DISK1, 512);
	strcpy(self->r.new_name, "abi-other");
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_RENAME, &self->r));
	req_init(&self->r, "abi-new", MIB);
	ASSERT_EQ(0, create_delete(self->ctl, &self->r));
}

TEST_F(disk, close_not_open)
{
	ASSERT_EQ(ENXIO, disk_op(self->ctl, CSV_CLOSE, DISK1, 0, 0));
	ASSERT_EQ(ENXIO, disk_op(self->ctl, CSV_CLOSE, "nosuch", 0, 0));
	ASSERT_EQ(0, disk_op(self->ctl, CSV_OPEN, DISK1, 0, 0));
	ASSERT_EQ(0, disk_op(self->ctl, CSV_CLOSE, DISK1, 0, 0));
	ASSERT_EQ(ENXIO, disk_op(self->ctl, CSV_CLOSE, DISK1, 0, 0));
}

TEST_F(disk, unknown_disk)
{
	ASSERT_EQ(ENOENT, disk_op(self->ctl, CSV_OPEN, "nosuch", 0, 0));
	ASSERT_EQ(ENOENT, disk_op(self->ctl, CSV_DELETE, "nosuch", 0, 0));
	ASSERT_EQ(ENOENT, disk_op(self->ctl, CSV_RESIZE, "nosuch", MIB, 0));
	req_init(&self->r, "nosuch", 0);
	strcpy(self->r.new_name, "abi-other");
	ASSERT_EQ(ENOENT, xioctl(self->ctl, CSV_RENAME, &self->r));
	ASSERT_EQ(0, disk_op(self->ctl, CSV_OPEN, DISK1, 0, 0));
	ASSERT_EQ(0, disk_op(self->ctl, CSV_CLOSE, DISK1, 0, 0));
}

TEST_F(disk, create_existing)
{
	ASSERT_EQ(EEXIST, disk_op(self->ctl, CSV_CREATE, DISK0, MIB, 0));
	ASSERT_EQ(EEXIST, disk_op(self->ctl, CSV_CREATE, DISK1, DISK1_BYTES, 0));
	/* Names are case sensitive. */
	req_init(&self->r, "ABI0", MIB);
	ASSERT_EQ(0, create_delete(self->ctl, &self->r));
}

TEST_F(disk, rename)
{
	req_init(&self->r, DISK1, 0);
	strcpy(self->r.new_name, DISK0);
	ASSERT_EQ(EEXIST, xioctl(self->ctl, CSV_RENAME, &self->r));
	memset(self->r.new_name, 0, sizeof(self->r.new_name));
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_RENAME, &self->r));
	strcpy(self->r.new_name, "a/b");
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_RENAME, &self->r));
	memset(self->r.new_name, 'n', sizeof(self->r.new_name));
	ASSERT_EQ(ENAMETOOLONG, xioctl(self->ctl, CSV_RENAME, &self->r));
	/* And there and back. */
	req_init(&self->r, DISK1, 0);
	strcpy(self->r.new_name, "abi1-renamed");
	ASSERT_EQ(0, xioctl(self->ctl, CSV_RENAME, &self->r));
	ASSERT_EQ(ENOENT, disk_op(self->ctl, CSV_OPEN, DISK1, 0, 0));
	req_init(&self->r, "abi1-renamed", 0);
	strcpy(self->r.new_name, DISK1);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_RENAME, &self->r));
}

TEST_F(disk, resize)
{
	struct csv_disk_info e[16];
	int n, i;

	ASSERT_EQ(EINVAL, disk_op(self->ctl, CSV_RESIZE, DISK1, DISK1_BYTES / 2, 0));
	ASSERT_EQ(EINVAL, disk_op(self->ctl, CSV_RESIZE, DISK1, 0, CSV_RESIZE_SHRINK));
	ASSERT_EQ(EINVAL, disk_op(self->ctl, CSV_RESIZE, DISK1, 513, CSV_RESIZE_SHRINK));
	/* The same size, larger, and smaller with the flag. */
	ASSERT_EQ(0, disk_op(self->ctl, CSV_RESIZE, DISK1, DISK1_BYTES, 0));
	ASSERT_EQ(0, disk_op(self->ctl, CSV_RESIZE, DISK1, 2 * DISK1_BYTES, 0));
	ASSERT_EQ(0, disk_op(self->ctl, CSV_RESIZE, DISK1, DISK1_BYTES, CSV_RESIZE_SHRINK));
	n = list_disks(self->ctl, e, 16);
	ASSERT_LE(2, n);
	ASSERT_GE(16, n);
	for (i = 0; i < n; i++)
		if (!strcmp(e[i].name, DISK1))
			break;
	ASSERT_GT(n, i);
	ASSERT_EQ(DISK1_BYTES, e[i].bytes);
}

TEST_F(disk, open)
{
	struct csv_disk_info e[16];
	char path[32];
	struct stat st;
	__u64 bytes;
	int fd, n, i;

	req_init(&self->r, DISK0, 0);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_OPEN, &self->r));
	ASSERT_NE(0, self->r.id);
	ASSERT_EQ(self->r.index, self->r.minor);
	snprintf(path, sizeof(path), "/dev/csv%u", self->r.index);
	ASSERT_EQ(0, stat(path, &st)) TH_LOG("stat %s: %m", path);
	ASSERT_TRUE(S_ISBLK(st.st_mode));
	ASSERT_EQ(self->r.minor, minor(st.st_rdev));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s: %m", path);
	ASSERT_EQ(0, ioctl(fd, BLKGETSIZE64, &bytes));
	ASSERT_EQ(DISK0_BYTES, bytes);
	close(fd);

	n = list_disks(self->ctl, e, 16);
	ASSERT_LE(2, n);
	for (i = 0; i < n; i++)
		if (!strcmp(e[i].name, DISK0))
			break;
	ASSERT_GT(n, i);
	ASSERT_EQ(CSV_INFO_OPEN, e[i].flags);
	ASSERT_EQ(self->r.index, e[i].index);
	ASSERT_EQ(self->r.id, e[i].id);

	/* Open here already, read-write or read-only. */
	ASSERT_EQ(EBUSY, disk_op(self->ctl, CSV_OPEN, DISK0, 0, 0));
	ASSERT_EQ(EBUSY, disk_op(self->ctl, CSV_OPEN, DISK0, 0, CSV_OPEN_READ_ONLY));

	ASSERT_EQ(0, disk_op(self->ctl, CSV_CLOSE, DISK0, 0, 0));
	ASSERT_NE(0, access(path, F_OK));
	ASSERT_EQ(ENXIO, disk_op(self->ctl, CSV_CLOSE, DISK0, 0, 0));
}

/* ---- CSV_LIST ------------------------------------------------------------ */

FIXTURE(list) {
	int ctl;
	__u32 disks;
	struct csv_list l;
};

FIXTURE_SETUP(list)
{
	struct csv_status s;

	self->ctl = open_ctl();
	ASSERT_LE(0, self->ctl) TH_LOG("open %s: %m", CTL_PATH);
	ASSERT_EQ(0, ensure_disk(self->ctl, DISK0, DISK0_BYTES));
	ASSERT_EQ(0, ensure_disk(self->ctl, DISK1, DISK1_BYTES));
	status_init(&s, VOL);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_STATUS, &s));
	self->disks = s.disks;
	ASSERT_LE(2, self->disks);
	list_init(&self->l, NULL, 0, sizeof(struct csv_disk_info));
}

FIXTURE_TEARDOWN(list)
{
	close(self->ctl);
}

TEST_F(list, count_only)
{
	ASSERT_EQ(0, xioctl(self->ctl, CSV_LIST, &self->l));
	ASSERT_EQ(self->disks, self->l.count);
	ASSERT_EQ(0, self->l.entries);
}

TEST_F(list, entry_size_too_small)
{
	self->l.entry_size = sizeof(struct csv_disk_info) - 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_LIST, &self->l));
	self->l.entry_size = 0;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_LIST, &self->l));
	self->l.entry_size = sizeof(struct csv_disk_info);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_LIST, &self->l));
}

TEST_F(list, no_entries)
{
	self->l.count = 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_LIST, &self->l));
	self->l.count = 0;
	self->l.flags = 1;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_LIST, &self->l));
	self->l.flags = 0;
	strcpy(self->l.volume, "nosuch");
	ASSERT_EQ(ENOENT, xioctl(self->ctl, CSV_LIST, &self->l));
	strcpy(self->l.volume, VOL);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_LIST, &self->l));
}

TEST_F(list, bad_pointer)
{
	struct csv_disk_info e[2];
	void *p;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p, 4096));
	list_init(&self->l, p, 2, sizeof(struct csv_disk_info));
	ASSERT_EQ(EFAULT, xioctl(self->ctl, CSV_LIST, &self->l));
	/* A read-only page is as bad. */
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	list_init(&self->l, p, 2, sizeof(struct csv_disk_info));
	ASSERT_EQ(EFAULT, xioctl(self->ctl, CSV_LIST, &self->l));
	munmap(p, 4096);
	list_init(&self->l, e, 2, sizeof(struct csv_disk_info));
	ASSERT_EQ(0, xioctl(self->ctl, CSV_LIST, &self->l));
	ASSERT_EQ(self->disks, self->l.count);
}

/* Entries larger than ours: the kernel steps by entry_size. */
TEST_F(list, stride)
{
	struct csv_disk_info ref[16];
	const size_t esize = sizeof(struct csv_disk_info) + 24;
	unsigned char *buf;
	unsigned int i, j, n;

	n = list_disks(self->ctl, ref, 16);
	ASSERT_EQ(self->disks, n);
	ASSERT_GE(16, n);
	buf = malloc(esize * (n + 1));
	ASSERT_NE(NULL, buf);
	memset(buf, 0x5a, esize * (n + 1));
	list_init(&self->l, buf, n + 1, esize);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_LIST, &self->l));
	ASSERT_EQ(n, self->l.count);
	for (i = 0; i < n; i++) {
		struct csv_disk_info e;

		memcpy(&e, buf + i * esize, sizeof(e));
		EXPECT_EQ(ref[i].id, e.id);
		EXPECT_EQ(ref[i].bytes, e.bytes);
		EXPECT_STREQ(ref[i].name, e.name);
		EXPECT_EQ(0, e.__pad);
		/* Our bytes past the kernel's struct stay as we left them. */
		for (j = sizeof(e); j < esize; j++)
			ASSERT_EQ(0x5a, buf[i * esize + j]);
	}
	for (j = 0; j < esize; j++)
		ASSERT_EQ(0x5a, buf[n * esize + j]);

	/* Room for one: one written, the count says all. */
	memset(buf, 0x5a, esize * (n + 1));
	list_init(&self->l, buf, 1, esize);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_LIST, &self->l));
	ASSERT_EQ(n, self->l.count);
	ASSERT_EQ(0, memcmp(buf, &ref[0], sizeof(ref[0])));
	for (j = sizeof(struct csv_disk_info); j < esize * (n + 1); j++)
		ASSERT_EQ(0x5a, buf[j]);
	free(buf);
}

/* ---- CSV_LEAVE, last: then the volume is joined again -------------------- */

FIXTURE(leave) {
	int ctl;
};

FIXTURE_SETUP(leave)
{
	self->ctl = open_ctl();
	ASSERT_LE(0, self->ctl) TH_LOG("open %s: %m", CTL_PATH);
	ASSERT_EQ(0, ensure_disk(self->ctl, DISK0, DISK0_BYTES));
}

FIXTURE_TEARDOWN(leave)
{
	close(self->ctl);
}

TEST_F_TIMEOUT(leave, busy_then_rejoin, 120)
{
	struct csv_leave l;
	struct csv_status s;
	struct csv_join j;
	int lun;

	ASSERT_EQ(0, disk_op(self->ctl, CSV_OPEN, DISK0, 0, 0));
	ASSERT_EQ(EBUSY, leave(self->ctl, VOL));
	status_init(&s, VOL);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_STATUS, &s));
	ASSERT_EQ(1, s.open_disks);

	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.flags = 1;
	strcpy(l.volume, VOL);
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_LEAVE, &l));
	ASSERT_EQ(EINVAL, leave(self->ctl, ""));
	ASSERT_EQ(ENOENT, leave(self->ctl, "nosuch"));
	memset(l.volume, 'v', sizeof(l.volume));
	l.flags = 0;
	ASSERT_EQ(EINVAL, xioctl(self->ctl, CSV_LEAVE, &l));

	ASSERT_EQ(0, disk_op(self->ctl, CSV_CLOSE, DISK0, 0, 0));
	ASSERT_EQ(0, leave(self->ctl, VOL));
	ASSERT_EQ(ENOENT, leave(self->ctl, VOL));
	status_init(&s, VOL);
	ASSERT_EQ(ENOENT, xioctl(self->ctl, CSV_STATUS, &s));
	status_init(&s, "");
	ASSERT_EQ(ENOENT, xioctl(self->ctl, CSV_STATUS, &s));
	ASSERT_EQ(ENOTCONN, disk_op(self->ctl, CSV_OPEN, DISK0, 0, 0));
	ASSERT_EQ(-ENOENT, list_disks(self->ctl, NULL, 0));

	/* The correct join, now that it can succeed: the out fields filled. */
	lun = open(LUN_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, lun) TH_LOG("open %s: %m", LUN_PATH);
	join_init(&j, lun);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_JOIN, &j));
	close(lun);
	ASSERT_EQ(sizeof(j), j.size);
	ASSERT_EQ(1, j.nodeid);
	ASSERT_STREQ(VOL, j.volume);
	status_init(&s, VOL);
	ASSERT_EQ(0, xioctl(self->ctl, CSV_STATUS, &s));
	ASSERT_EQ(CSV_ROLE_COORDINATOR, s.role);
	ASSERT_EQ(1, s.nodeid);
	ASSERT_EQ(1, s.members);
	ASSERT_LE(1, s.disks);
	ASSERT_EQ(0, disk_op(self->ctl, CSV_OPEN, DISK0, 0, 0));
	ASSERT_EQ(0, disk_op(self->ctl, CSV_CLOSE, DISK0, 0, 0));
}

TEST_HARNESS_MAIN
