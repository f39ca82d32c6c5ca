// SPDX-License-Identifier: GPL-2.0
/*
 * Online meta-operations on an attached /dev/vhdN: --merge, --resize,
 * --compact and --move start one with VHD_OP_START and wait for it with
 * VHD_OP_WAIT; --cancel is VHD_OP_CANCEL; --progress polls the op* files
 * of /sys/block/vhdN/vhd/.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vhdsetup.h"

/* --progress: sysfs poll period, and polls per line printed. */
#define POLL_MS		200
#define POLLS_PER_LINE	5

/* What the operation needs opened, and what to remove afterwards. */
struct op_files {
	int fd;			/* vhd_op.fd, or -1 */
	int child_fd;		/* vhd_op.child_fd, or -1 */
	char *unlink_path;	/* --delete: merged file; --move: new file */
	struct stat unlink_st;	/* the file found at unlink_path */
	bool created;		/* --move: the new file was created here */
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

/* SIGINT and SIGTERM end the wait, not the operation: no SA_RESTART. */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Once the message is out, die of the signal as if it had not been caught. */
static void reraise(void)
{
	fflush(stdout);
	signal(interrupted, SIG_DFL);
	raise(interrupted);
	exit(EXIT_FAIL);
}

static const char *op_name(unsigned int op)
{
	switch (op) {
	case VHD_OP_MERGE:
		return "merge";
	case VHD_OP_RESIZE:
		return "resize";
	case VHD_OP_COMPACT:
		return "compact";
	case VHD_OP_MOVE:
		return "move";
	}
	return "operation";
}

static bool op_running(int index)
{
	char *state = vhd_sysfs_read(index, "vhd/op_state");
	bool ret = state && !strcmp(state, "running");

	free(state);
	return ret;
}

static uint64_t sysfs_u64(int index, const char *attr)
{
	char *s = vhd_sysfs_read(index, attr);
	uint64_t v = 0;

	if (s)
		v = strtoull(s, NULL, 10);
	free(s);
	return v;
}

static void print_progress(int index, const char *what)
{
	uint64_t done = sysfs_u64(index, "vhd/op_done");
	uint64_t total = sysfs_u64(index, "vhd/op_total");
	unsigned int pct;

	if (done >= total)
		pct = total ? 100 : 0;
	else
		pct = (unsigned int)(done * 100.0 / total);
	fprintf(stderr, "%s: %llu/%llu bytes (%u%%)\n", what,
		(unsigned long long)done, (unsigned long long)total, pct);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Wait for the operation of @fd to end. Returns 0 when it succeeded, its
 * negative errno when it failed (-ECANCELED when cancelled), 1 when
 * SIGINT or SIGTERM came first (the operation goes on). With @progress,
 * sysfs is polled and a line printed about once a second while it runs;
 * VHD_OP_WAIT then gives the result.
 */
static int wait_op(int fd, int index, const char *what, bool progress)
{
	unsigned int n = 0;

	if (progress) {
		while (!interrupted && op_running(index)) {
			if (n++ % POLLS_PER_LINE == 0)
				print_progress(index, what);
			sleep_ms(POLL_MS);
		}
		if (interrupted)
			return 1;
		print_progress(index, what);
	}
	for (;;) {
		if (interrupted)
			return 1;
		if (!ioctl(fd, VHD_OP_WAIT))
			return 0;
		if (errno != EINTR)
			return -errno;
		/* Not our signal: wait again, unless EINTR was the result. */
		if (!interrupted && !op_running(index))
			return -EINTR;
	}
}

static int open_rw(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		warn_(errno, "%s", path);
	return fd;
}

/* sysfs parent<k>, or backing_file for k == 0; prints why on failure. */
static char *layer_path(int index, const char *name, unsigned int k)
{
	char attr[32];
	char *path;

	if (k)
		snprintf(attr, sizeof(attr), "vhd/parent%u", k);
	else
		snprintf(attr, sizeof(attr), "vhd/backing_file");
	path = vhd_sysfs_read(index, attr);
	if (!path || !*path) {
		warnx_("%s: cannot read %s/vhd%d/%s", name, VHD_SYSFS_BLOCK,
		       index, attr);
		free(path);
		return NULL;
	}
	return path;
}

/*
 * Merge of layer L (0: the top) into L + 1: hand the kernel layer L + 1
 * read-write and, for L >= 2, layer L - 1 whose parent link changes (for
 * L = 1 that child is the top, which the kernel has open already).
 */
static int prep_merge(int index, const char *name,
		      const struct vhd_info *info, const struct op_opts *o,
		      struct vhd_op *req, struct op_files *f)
{
	unsigned int level = o->level;
	char *path;

	if (level + 2 > info->depth) {
		/* as the kernel would refuse it (vhdsetup.8) */
		warnx_("%s: merge failed: %s (no layer %u to merge layer %u into, depth %u)",
		       name, strerror(EINVAL), level + 1, level, info->depth);
		return -1;
	}
	/* The merged file's name, before the chain changes. */
	if (o->delete) {
		f->unlink_path = layer_path(index, name, level);
		if (!f->unlink_path)
			return -1;
		if (stat(f->unlink_path, &f->unlink_st)) {
			warn_(errno, "%s", f->unlink_path);
			return -1;
		}
	}
	path = layer_path(index, name, level + 1);
	if (!path)
		return -1;
	f->fd = open_rw(path);
	free(path);
	if (f->fd < 0)
		return -1;
	if (level >= 2) {
		path = layer_path(index, name, level - 1);
		if (!path)
			return -1;
		f->child_fd = open_rw(path);
		free(path);
		if (f->child_fd < 0)
			return -1;
		req->flags |= VHD_OP_F_CHILD_FD;
		req->child_fd = f->child_fd;
	}
	req->level = level;
	req->fd = f->fd;
	return 0;
}

/* A new file, or an empty one that exists (the kernel checks: EEXIST). */
static int prep_move(const struct op_opts *o, struct vhd_op *req,
		     struct op_files *f)
{
	f->fd = open(o->move_file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		     0644);
	if (f->fd >= 0) {
		f->unlink_path = strdup(o->move_file);
		if (!f->unlink_path || fstat(f->fd, &f->unlink_st)) {
			warn_(errno, "%s", o->move_file);
			unlink(o->move_file);
			return -1;
		}
		f->created = true;
	} else if (errno == EEXIST) {
		f->fd = open_rw(o->move_file);
	} else {
		warn_(errno, "%s", o->move_file);
	}
	if (f->fd < 0)
		return -1;
	if (o->flatten)
		req->flags |= VHD_OP_F_FLATTEN;
	req->fd = f->fd;
	return 0;
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* vhd_iterate_devices() callback: does the device use the file? */
static int uses_file(int index, void *arg)
{
	const struct stat *want = arg;
	unsigned int k;
	struct stat st;
	char attr[32];
	char *path;
	bool hit = false;

	/* backing_file, then parent1.., which exist below depth only. */
	for (k = 0; k < VHD_MAX_DEPTH && !hit; k++) {
		if (k)
			snprintf(attr, sizeof(attr), "vhd/parent%u", k);
		else
			snprintf(attr, sizeof(attr), "vhd/backing_file");
		path = vhd_sysfs_read(index, attr);
		if (!path)
			break;
		hit = !stat(path, &st) && same_inode(&st, want);
		free(path);
	}
	return hit ? index + 1 : 0;
}

/*
 * Remove @f->unlink_path if it still names the file found there before
 * and, with @check_users (--delete), no attached device uses it (a failed
 * move's new file is nobody's).
 */
static int unlink_file(const struct op_files *f, bool check_users)
{
	const char *path = f->unlink_path;
	struct stat st;
	int ret;

	if (lstat(path, &st) || !same_inode(&st, &f->unlink_st)) {
		warnx_("%s: replaced since the operation started, not removed",
		       path);
		return -1;
	}
	if (check_users) {
		ret = vhd_iterate_devices(uses_file, &st);
		if (ret > 0) {
			warnx_("%s: still used by /dev/vhd%d, not removed",
			       path, ret - 1);
			return -1;
		}
	}
	if (unlink(path)) {
		warn_(errno, "%s: cannot remove", path);
		return -1;
	}
	if (verbose)
		printf("%s: removed\n", path);
	return 0;
}

int vhd_op_run(int index, const struct op_opts *o)
{
	struct op_files f = { .fd = -1, .child_fd = -1 };
	const char *what = op_name(o->op);
	struct vhd_info info;
	struct vhd_op req;
	char name[32];
	int fd = -1, ret, rc = EXIT_FAIL;

	vhd_devname(index, name, sizeof(name));
	ret = vhd_dev_get_info(index, &info);
	if (ret) {
		warn_(-ret, "%s", name);
		return EXIT_FAIL;
	}

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.op = o->op;
	ret = 0;
	switch (o->op) {
	case VHD_OP_MERGE:
		ret = prep_merge(index, name, &info, o, &req, &f);
		break;
	case VHD_OP_RESIZE:
		if (o->new_size < info.virtual_size) {
			warnx_("%s: resize failed: %s (cannot shrink from %llu to %llu bytes, only grow)",
			       name, strerror(EINVAL),
			       (unsigned long long)info.virtual_size,
			       (unsigned long long)o->new_size);
			ret = -1;
		}
		req.new_size = o->new_size;
		break;
	case VHD_OP_MOVE:
		ret = prep_move(o, &req, &f);
		break;
	}
	if (ret)
		goto out;

	/* VHD_OP_START wants the device open for writing (EBADF else). */
	fd = vhd_open_dev(index, O_RDWR);
	if (fd < 0) {
		warn_(-fd, "%s: cannot open read-write", name);
		ret = fd;
		goto out;
	}
	if (ioctl(fd, VHD_OP_START, &req) < 0) {
		ret = -errno;
		warn_(-ret, "%s: %s failed", name, what);
		goto out;
	}
	if (o->no_wait) {
		if (verbose)
			printf("%s: %s started\n", name, what);
		rc = EXIT_OK;
		goto out;
	}
	catch_signals();
	ret = wait_op(fd, index, what, o->progress);
	if (ret > 0) {
		warnx_("%s: %s goes on in the background; 'vhdsetup --cancel %s' stops it",
		       name, what, name);
		reraise();
	}
	if (ret) {
		warn_(-ret, "%s: %s failed", name, what);
		goto out;
	}
	if (verbose)
		printf("%s: %s done\n", name, what);
	rc = EXIT_OK;
	if (f.unlink_path && o->delete && unlink_file(&f, true))
		rc = EXIT_FAIL;
out:
	/*
	 * The kernel holds its own references to the files. A move that
	 * failed leaves no file behind that it did not find.
	 */
	if (ret && f.created)
		unlink_file(&f, false);
	if (fd >= 0)
		close(fd);
	if (f.fd >= 0)
		close(f.fd);
	if (f.child_fd >= 0)
		close(f.child_fd);
	free(f.unlink_path);
	return rc;
}

int vhd_op_cancel(int index, bool no_wait)
{
	char name[32];
	char *what;
	int fd, ret, rc = EXIT_FAIL;

	vhd_devname(index, name, sizeof(name));
	fd = vhd_open_dev(index, O_RDONLY);
	if (fd < 0) {
		warn_(-fd, "%s", name);
		return EXIT_FAIL;
	}
	what = vhd_sysfs_read(index, "vhd/op");
	if (ioctl(fd, VHD_OP_CANCEL) < 0) {
		if (errno == ENXIO)
			warnx_("%s: no operation running", name);
		else
			warn_(errno, "%s: cancel failed", name);
		goto out;
	}
	rc = EXIT_OK;
	if (no_wait)
		goto out;
	catch_signals();
	ret = wait_op(fd, index, what ? what : "operation", false);
	if (ret > 0) {
		warnx_("%s: cancel requested, %s still stopping", name,
		       what ? what : "operation");
		reraise();
	}
	if (!ret)
		warnx_("%s: %s finished before it could be cancelled", name,
		       what ? what : "operation");
	else if (ret != -ECANCELED)
		warn_(-ret, "%s: %s failed", name, what ? what : "operation");
	else if (verbose)
		printf("%s: %s cancelled\n", name, what ? what : "operation");
out:
	free(what);
	close(fd);
	return rc;
}
