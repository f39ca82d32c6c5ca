// SPDX-License-Identifier: GPL-2.0
/*
 * csvctl - cluster shared volumes (csv.ko): format and inspect a shared
 * LUN offline, join and leave its volume, and create, resize, rename,
 * delete, open and close its virtual disks through /dev/csv-control
 * (uapi/linux/csv.h). An open disk is /dev/csvN, linked from
 * /dev/csv/VOLUME/DISK (by us and by 60-csv.rules).
 *
 * Environment, for tests: CSVCTL_CONTROL (default /dev/csv-control) and
 * CSVCTL_DEVDIR (default /dev).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/csv.h>

#include "csvctl.h"
#include "csv_format.h"

#ifndef CSVCTL_VERSION
#define CSVCTL_VERSION "0.1"
#endif

const char *progname = "csvctl";

const char *errname(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "unknown errno";
}

void op_err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_head(fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s (%s)\n", strerror(err), errname(err));
}

/* Plain bytes, or K, M, G, T (powers of 1024). -EINVAL, -ERANGE. */
int parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	const char *u;
	char *end;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -errno;
	if (*end) {
		u = strchr(units, *end & ~0x20);
		if (!u || !*u || end[1])
			return -EINVAL;
		shift = 10 * (u - units + 1);
	}
	if (shift && v > UINT64_MAX >> shift)
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

static const char *devdir(void)
{
	return env_or("CSVCTL_DEVDIR", "/dev");
}

static int ctl_fd = -1;

/* An ioctl on the control device; -errno. */
static int ctl(unsigned long req, void *arg)
{
	if (ctl_fd < 0) {
		ctl_fd = open(env_or("CSVCTL_CONTROL", "/dev/csv-control"),
			      O_RDWR | O_CLOEXEC);
		if (ctl_fd < 0)
			return -errno;
	}
	return ioctl(ctl_fd, req, arg) < 0 ? -errno : 0;
}

/* An error of ctl(): say which file when the control device is missing. */
static void ctl_err(int err, const char *what)
{
	if (ctl_fd < 0)
		op_err(err, "%s: %s (is csv.ko loaded?)", what,
		       env_or("CSVCTL_CONTROL", "/dev/csv-control"));
	else
		op_err(err, "%s", what);
}

static int usage_err(const char *fmt, ...) __printf(1, 2);
static int usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_head(fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", progname);
	return 2;
}

/* Copy a volume or disk name into its ioctl field, as csv.ko checks it. */
static int set_name(char *dst, size_t room, const char *name)
{
	int ret = csv_name_check(name, room);

	if (!ret)
		strcpy(dst, name);
	return ret;
}

static void disk_req_init(struct csv_disk_req *r)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
}

/* VOL and DISK into R; on error print it for OP and return 1. */
static int disk_names(struct csv_disk_req *r, const char *op, const char *vol,
		      const char *disk)
{
	int ret;

	disk_req_init(r);
	ret = set_name(r->volume, sizeof(r->volume), vol);
	if (!ret)
		ret = set_name(r->disk, sizeof(r->disk), disk);
	if (ret) {
		op_err(-ret, "%s %s/%s", op, vol, disk);
		return 1;
	}
	return 0;
}

/* ctl(REQ, R); on error print it for "OP VOL/DISK" and return 1. */
static int disk_ctl(unsigned long req, struct csv_disk_req *r, const char *op,
		    const char *vol, const char *disk)
{
	char what[128];
	int ret = ctl(req, r);

	if (!ret)
		return 0;
	snprintf(what, sizeof(what), "%s %s/%s", op, vol, disk);
	ctl_err(-ret, what);
	return 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A non-negative number of seconds, fractions allowed; -1 if not one. */
static double parse_secs(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 1e6)
		return -1;
	return v;
}

/* ---- join, leave, status ---- */

static int cmd_join(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *addr = NULL, *dev;
	struct csv_join j;
	unsigned long port = CSV_DEFAULT_PORT;
	double timeout = 0;
	char *end;
	int c, ret;

	memset(&j, 0, sizeof(j));
	j.size = sizeof(j);
	optind = 0;
	while ((c = getopt_long(argc, argv, "a:p:t:", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			errno = 0;
			port = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || !port || port > 65535)
				return usage_err("join: invalid port '%s'", optarg);
			break;
		case 't':
			timeout = parse_secs(optarg);
			if (timeout < 0)
				return usage_err("join: invalid timeout '%s'", optarg);
			break;
		default:
			return usage_err("join: usage: join DEVICE --addr IP [--port N] [--timeout SECS]");
		}
	}
	if (!addr || optind != argc - 1)
		return usage_err("join: usage: join DEVICE --addr IP [--port N] [--timeout SECS]");
	dev = argv[optind];
	if (inet_pton(AF_INET, addr, j.addr) == 1)
		j.family = CSV_AF_INET;
	else if (inet_pton(AF_INET6, addr, j.addr) == 1)
		j.family = CSV_AF_INET6;
	else
		return usage_err("join: invalid address '%s'", addr);
	j.port = port;
	/* 0 would mean the default (30 s): round a tiny timeout up to 1 ms. */
	j.timeout_ms = timeout > 0 && timeout < 0.001 ? 1 : (uint32_t)(timeout * 1000);
	j.lun_fd = open(dev, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (j.lun_fd < 0) {
		op_err(errno, "join %s", dev);
		return 1;
	}
	ret = ctl(CSV_JOIN, &j);
	close(j.lun_fd);
	if (ret) {
		ctl_err(-ret, "join");
		return 1;
	}
	j.volume[sizeof(j.volume) - 1] = '\0';
	printf("volume %s node %u\n", j.volume, j.nodeid);
	return 0;
}

static int cmd_leave(int argc, char **argv)
{
	struct csv_leave l;
	int ret;

	if (argc != 2)
		return usage_err("leave: usage: leave VOLUME");
	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	ret = set_name(l.volume, sizeof(l.volume), argv[1]);
	if (!ret)
		ret = ctl(CSV_LEAVE, &l);
	if (ret) {
		ctl_err(-ret, "leave");
		return 1;
	}
	return 0;
}

static int cmd_status(int argc, char **argv)
{
	struct csv_status s;
	char what[64];
	int ret = 0;

	if (argc > 2)
		return usage_err("status: usage: status [VOLUME]");
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	snprintf(what, sizeof(what), "status%s%s", argc > 1 ? " " : "",
		 argc > 1 ? argv[1] : "");
	if (argc > 1)
		ret = set_name(s.volume, sizeof(s.volume), argv[1]);
	if (!ret)
		ret = ctl(CSV_STATUS, &s);
	if (ret) {
		ctl_err(-ret, what);
		return 1;
	}
	s.volume[sizeof(s.volume) - 1] = '\0';
	printf("volume: %s\n", s.volume[0] ? s.volume : argc > 1 ? argv[1] : "-");
	printf("node: %u\n", s.nodeid);
	if (s.role == CSV_ROLE_COORDINATOR)
		printf("role: coordinator\n");
	else if (s.role == CSV_ROLE_MEMBER)
		printf("role: member\n");
	else
		printf("role: %u\n", s.role);
	if (s.coordinator)
		printf("coordinator: %u\n", s.coordinator);
	else
		printf("coordinator: none\n");
	printf("members: %u\n", s.members);
	printf("epoch: %llu\n", (unsigned long long)s.epoch);
	printf("generation: %llu\n", (unsigned long long)s.generation);
	printf("lun_bytes: %llu\n", (unsigned long long)s.lun_bytes);
	printf("free_bytes: %llu\n", (unsigned long long)s.free_bytes);
	printf("alloc_unit: %u\n", s.alloc_unit);
	printf("disks: %u\n", s.disks);
	printf("open_disks: %u\n", s.open_disks);
	printf("path: %s\n", s.state & CSV_STATE_PATH_FAILED ? "failed" : "ok");
	printf("redirect: %s\n",
	       s.state & CSV_STATE_REDIRECT_VOLUME ? "volume" :
	       s.state & CSV_STATE_REDIRECT_NODE ? "node" : "off");
	printf("fenced: %s\n", s.state & CSV_STATE_FENCED ? "yes" : "no");
	return 0;
}

/* ---- redirect ---- */

static int cmd_redirect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "volume", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	static const char use[] =
		"redirect: usage: redirect [--volume] VOLUME on|off";
	struct csv_redirect r;
	char what[96];
	int c, ret;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	optind = 0;
	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		if (c != 'v')
			return usage_err("%s", use);
		r.flags |= CSV_REDIRECT_VOLUME;
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 || (strcmp(argv[1], "on") && strcmp(argv[1], "off")))
		return usage_err("%s", use);
	if (!strcmp(argv[1], "on"))
		r.flags |= CSV_REDIRECT_ON;
	snprintf(what, sizeof(what), "redirect %s %s", argv[0], argv[1]);
	ret = set_name(r.volume, sizeof(r.volume), argv[0]);
	if (!ret)
		ret = ctl(CSV_REDIRECT, &r);
	if (ret) {
		ctl_err(-ret, what);
		return 1;
	}
	return 0;
}

/* ---- list ---- */

static int cmd_list(int argc, char **argv)
{
	struct csv_disk_info *e = NULL, *ne;
	bool header = true;
	struct csv_list l;
	u32 room = 16, i, n;
	int c, ret, tries;
	char state[32];
	int w = 4;

	optind = 0;
	while ((c = getopt(argc, argv, "n")) != -1) {
		if (c != 'n')
			return usage_err("list: usage: list [-n] VOLUME");
		header = false;
	}
	if (optind != argc - 1)
		return usage_err("list: usage: list [-n] VOLUME");
	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	ret = set_name(l.volume, sizeof(l.volume), argv[optind]);
	/* Disks come and go: grow until the list fits. */
	for (tries = 0; !ret; tries++) {
		ne = realloc(e, room * sizeof(*e));
		if (!ne) {
			ret = -ENOMEM;
			break;
		}
		e = ne;
		memset(e, 0, room * sizeof(*e));
		l.count = room;
		l.entry_size = sizeof(*e);
		l.entries = (uintptr_t)e;
		ret = ctl(CSV_LIST, &l);
		if (ret || l.count <= room)
			break;
		if (tries == 16) {
			ret = -EAGAIN;
			break;
		}
		room = l.count;
	}
	if (ret) {
		snprintf(state, sizeof(state), "list %s", argv[optind]);
		ctl_err(-ret, state);
		free(e);
		return 1;
	}
	n = l.count;
	for (i = 0; i < n; i++) {
		e[i].name[sizeof(e[i].name) - 1] = '\0';
		if ((int)strlen(e[i].name) > w)
			w = strlen(e[i].name);
	}
	if (header)
		printf("%-*s %6s %16s %7s %s\n", w, "NAME", "ID", "BYTES",
		       "EXTENTS", "STATE");
	for (i = 0; i < n; i++) {
		if (!(e[i].flags & CSV_INFO_OPEN))
			snprintf(state, sizeof(state), "closed");
		else
			snprintf(state, sizeof(state), "%s /dev/csv%u",
				 e[i].flags & CSV_INFO_READ_ONLY ? "ro" : "rw",
				 e[i].index);
		printf("%-*s %6llu %16llu %7u %s\n", w, e[i].name,
		       (unsigned long long)e[i].id,
		       (unsigned long long)e[i].bytes, e[i].extents, state);
	}
	free(e);
	return 0;
}

/* ---- create, delete, resize, rename ---- */

static int cmd_create(int argc, char **argv)
{
	struct csv_disk_req r;
	uint64_t bytes;

	if (argc != 4)
		return usage_err("create: usage: create VOLUME DISK SIZE");
	if (parse_size(argv[3], &bytes))
		return usage_err("create: invalid size '%s'", argv[3]);
	if (disk_names(&r, "create", argv[1], argv[2]))
		return 1;
	r.bytes = bytes;
	if (disk_ctl(CSV_CREATE, &r, "create", argv[1], argv[2]))
		return 1;
	printf("%s/%s id %llu\n", argv[1], argv[2], (unsigned long long)r.id);
	return 0;
}

static int cmd_delete(int argc, char **argv)
{
	struct csv_disk_req r;

	if (argc != 3)
		return usage_err("delete: usage: delete VOLUME DISK");
	if (disk_names(&r, "delete", argv[1], argv[2]))
		return 1;
	return disk_ctl(CSV_DELETE, &r, "delete", argv[1], argv[2]);
}

static int cmd_resize(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "shrink", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct csv_disk_req r;
	bool shrink = false;
	uint64_t bytes;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "s", opts, NULL)) != -1) {
		if (c != 's')
			return usage_err("resize: usage: resize [--shrink] VOLUME DISK SIZE");
		shrink = true;
	}
	if (optind != argc - 3)
		return usage_err("resize: usage: resize [--shrink] VOLUME DISK SIZE");
	argv += optind - 1;
	if (parse_size(argv[3], &bytes))
		return usage_err("resize: invalid size '%s'", argv[3]);
	if (disk_names(&r, "resize", argv[1], argv[2]))
		return 1;
	r.bytes = bytes;
	r.flags = shrink ? CSV_RESIZE_SHRINK : 0;
	return disk_ctl(CSV_RESIZE, &r, "resize", argv[1], argv[2]);
}

static int cmd_rename(int argc, char **argv)
{
	struct csv_disk_req r;
	char what[160];
	int ret;

	if (argc != 4)
		return usage_err("rename: usage: rename VOLUME DISK NEW");
	if (disk_names(&r, "rename", argv[1], argv[2]))
		return 1;
	ret = set_name(r.new_name, sizeof(r.new_name), argv[3]);
	if (!ret)
		ret = ctl(CSV_RENAME, &r);
	if (ret) {
		snprintf(what, sizeof(what), "rename %s/%s %s", argv[1], argv[2], argv[3]);
		ctl_err(-ret, what);
		return 1;
	}
	return 0;
}

/* ---- open, close: and /dev/csv/VOLUME/DISK ---- */

/* DEVDIR/csv/VOL/DISK -> ../../csvN, replacing what is there. -errno. */
static int link_disk(const char *vol, const char *disk, u32 index)
{
	char *top = xasprintf("%s/csv", devdir());
	char *dir = xasprintf("%s/%s", top, vol);
	char *path = xasprintf("%s/%s", dir, disk);
	char *tmp = xasprintf("%s/.%s.%d", dir, disk, (int)getpid());
	char *target = xasprintf("../../csv%u", index);
	int ret = 0;

	if ((mkdir(top, 0755) && errno != EEXIST) ||
	    (mkdir(dir, 0755) && errno != EEXIST))
		ret = -errno;
	if (!ret && (symlink(target, tmp) || rename(tmp, path))) {
		ret = -errno;
		unlink(tmp);
	}
	free(top);
	free(dir);
	free(path);
	free(tmp);
	free(target);
	return ret;
}

static void unlink_disk(const char *vol, const char *disk)
{
	char *top = xasprintf("%s/csv", devdir());
	char *dir = xasprintf("%s/%s", top, vol);
	char *path = xasprintf("%s/%s", dir, disk);
	struct stat st;

	if (!lstat(path, &st) && S_ISLNK(st.st_mode))
		unlink(path);
	/* Only when empty: other disks of the volume may be open. */
	rmdir(dir);
	rmdir(top);
	free(top);
	free(dir);
	free(path);
}

static int cmd_open(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "read-only", no_argument, NULL, 'r' },
		{ "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	const char *vol, *disk;
	struct csv_disk_req r;
	double wait = 0, until;
	bool ro = false;
	char what[128];
	char *node;
	struct stat st;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "rw:", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			ro = true;
			break;
		case 'w':
			wait = parse_secs(optarg);
			if (wait < 0)
				return usage_err("open: invalid --wait '%s'", optarg);
			break;
		default:
			return usage_err("open: usage: open [--read-only] [--wait SECS] VOLUME DISK");
		}
	}
	if (optind != argc - 2)
		return usage_err("open: usage: open [--read-only] [--wait SECS] VOLUME DISK");
	vol = argv[optind];
	disk = argv[optind + 1];
	snprintf(what, sizeof(what), "open %s/%s", vol, disk);
	if (disk_names(&r, "open", vol, disk))
		return 1;
	r.flags = ro ? CSV_OPEN_READ_ONLY : 0;
	/* Live migration: the source closes while the target waits here. */
	until = now_s() + wait;
	while ((ret = ctl(CSV_OPEN, &r)) == -EBUSY && wait > 0 && now_s() < until)
		sleep_ms(2);
	if (ret) {
		ctl_err(-ret, what);
		return 1;
	}
	node = xasprintf("%s/csv%u", devdir(), r.index);
	/* devtmpfs makes the node as the disk is added; give it 2 s. */
	until = now_s() + 2;
	while (stat(node, &st) && now_s() < until)
		sleep_ms(10);
	if (stat(node, &st))
		warnx_("%s: %s did not appear", what, node);
	free(node);
	ret = link_disk(vol, disk, r.index);
	if (ret) {
		op_err(-ret, "%s: %s/csv/%s/%s", what, devdir(), vol, disk);
		/* Do not leave it open with no name. */
		if (ctl(CSV_CLOSE, &r))
			warnx_("%s: left open as %s/csv%u", what, devdir(), r.index);
		return 1;
	}
	printf("%s/csv/%s/%s\n", devdir(), vol, disk);
	return 0;
}

static int cmd_close(int argc, char **argv)
{
	struct csv_disk_req r;

	if (argc != 3)
		return usage_err("close: usage: close VOLUME DISK");
	if (disk_names(&r, "close", argv[1], argv[2]))
		return 1;
	if (disk_ctl(CSV_CLOSE, &r, "close", argv[1], argv[2]))
		return 1;
	unlink_disk(argv[1], argv[2]);
	return 0;
}

/* ---- main ---- */

/* Hidden, for tests: how SIZE parses. */
static int cmd_parse_size(int argc, char **argv)
{
	uint64_t v;

	if (argc != 2)
		return 2;
	if (parse_size(argv[1], &v))
		return usage_err("invalid size '%s'", argv[1]);
	printf("%" PRIu64 "\n", v);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage:\n"
		" %1$s format [--force] --name VOLUME DEVICE\n"
		" %1$s inspect DEVICE\n"
		" %1$s join DEVICE --addr IP [--port N] [--timeout SECS]\n"
		" %1$s leave VOLUME\n"
		" %1$s status [VOLUME]\n"
		" %1$s list [-n] VOLUME\n"
		" %1$s create VOLUME DISK SIZE\n"
		" %1$s delete VOLUME DISK\n"
		" %1$s resize [--shrink] VOLUME DISK SIZE\n"
		" %1$s rename VOLUME DISK NEW\n"
		" %1$s open [--read-only] [--wait SECS] VOLUME DISK\n"
		" %1$s close VOLUME DISK\n"
		" %1$s redirect [--volume] VOLUME on|off\n"
		"\n"
		"Cluster shared volumes (csv.ko): virtual disks on a shared LUN.\n"
		"format and inspect work on the LUN offline; the other commands\n"
		"go through /dev/csv-control. SIZE is bytes or takes a K, M, G\n"
		"or T suffix (powers of 1024).\n"
		"\n"
		"Options:\n"
		" -h, --help     display this help\n"
		" -V, --version  display version\n"
		"\n"
		"For more details see csvctl(8).\n", progname);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "format", cmd_format },
	{ "inspect", cmd_inspect },
	{ "join", cmd_join },
	{ "leave", cmd_leave },
	{ "status", cmd_status },
	{ "list", cmd_list },
	{ "create", cmd_create },
	{ "delete", cmd_delete },
	{ "resize", cmd_resize },
	{ "rename", cmd_rename },
	{ "open", cmd_open },
	{ "close", cmd_close },
	{ "redirect", cmd_redirect },
	{ "__parse-size", cmd_parse_size },
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	size_t k;
	int c;

	while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("%s %s\n", progname, CSVCTL_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[optind], "help")) {
		usage(stdout);
		return 0;
	}
	for (k = 0; k < ARRAY_SIZE(cmds); k++)
		if (!strcmp(argv[optind], cmds[k].name))
			return cmds[k].fn(argc - optind, argv + optind);
	return usage_err("unknown command '%s'", argv[optind]);
}
