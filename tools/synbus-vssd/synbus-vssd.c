// SPDX-License-Identifier: GPL-2.0
/*
 * synbus-vssd: the userspace half of the synbus backup service. It
 * registers with synbus_util.ko through /dev/synbus_vss, then freezes
 * (FIFREEZE) and thaws (FITHAW) filesystems when the kernel asks, and
 * answers with the result. It thaws what it froze before exiting on
 * SIGTERM/SIGINT.
 *
 * By default every writable filesystem on a /dev block device is frozen,
 * the root last, as hv_vss_daemon does; -m limits it to given mount points.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <mntent.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/synbus_util.h>

#define MAX_MOUNTS	64

static const char *dev_path = "/dev/" SYNBUS_VSS_DEVNAME;
static char *mounts[MAX_MOUNTS];
static int nr_mounts;
static char *frozen[MAX_MOUNTS];
static int nr_frozen;
static bool foreground;
static unsigned int delay_ms;
static volatile sig_atomic_t stop;

/* Never log to a file that may sit on a frozen filesystem: stderr/syslog. */
static void logmsg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (foreground) {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(prio, fmt, ap);
	}
	va_end(ap);
}

static int fs_ioctl(const char *dir, unsigned long cmd)
{
	int fd, ret = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return errno;
	if (ioctl(fd, cmd, 0) < 0)
		ret = errno;
	close(fd);
	return ret;
}

/* Thaw in reverse order; EINVAL means "not frozen", which is fine. */
static int thaw_all(void)
{
	int err = 0, ret;

	while (nr_frozen > 0) {
		char *dir = frozen[--nr_frozen];

		ret = fs_ioctl(dir, FITHAW);
		if (ret && ret != EINVAL) {
			logmsg(LOG_ERR, "thaw %s: %s", dir, strerror(ret));
			err = ret;
		}
		free(dir);
	}
	return err;
}

static int freeze_one(const char *dir)
{
	int ret = fs_ioctl(dir, FIFREEZE);

	/* EBUSY: already frozen through another mount of the same fs. */
	if (ret == EBUSY)
		return 0;
	if (ret) {
		logmsg(LOG_ERR, "freeze %s: %s", dir, strerror(ret));
		return ret;
	}
	frozen[nr_frozen] = strdup(dir);
	if (!frozen[nr_frozen]) {
		fs_ioctl(dir, FITHAW);
		return ENOMEM;
	}
	nr_frozen++;
	return 0;
}

static bool skip_mount(const struct mntent *ent)
{
	if (strncmp(ent->mnt_fsname, "/dev/", 5))
		return true;
	if (hasmntopt(ent, MNTOPT_RO))
		return true;
	return !strcmp(ent->mnt_type, "vfat");
}

/* Freeze the chosen filesystems; on failure thaw what was frozen. */
static int freeze_all(void)
{
	bool root = false;
	struct mntent *ent;
	FILE *f;
	int i, ret = 0;

	if (nr_mounts) {
		for (i = 0; i < nr_mounts && !ret && nr_frozen < MAX_MOUNTS; i++)
			ret = freeze_one(mounts[i]);
		goto out;
	}
	f = setmntent("/proc/mounts", "r");
	if (!f)
		return errno;
	while ((ent = getmntent(f)) && nr_frozen < MAX_MOUNTS - 1) {
		if (skip_mount(ent))
			continue;
		if (!strcmp(ent->mnt_dir, "/")) {
			root = true;
			continue;
		}
		ret = freeze_one(ent->mnt_dir);
		if (ret)
			break;
	}
	endmntent(f);
	if (!ret && root)
		ret = freeze_one("/");
out:
	if (ret)
		thaw_all();
	return ret;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [-n] [-d DEVICE] [-m MOUNTPOINT]... [--delay-ms N]\n"
		"  -n, --no-daemon     stay in the foreground, log to stderr\n"
		"  -d, --device PATH   control device (default %s)\n"
		"  -m, --mount DIR     freeze only DIR (repeatable); default:\n"
		"                      every writable /dev-backed filesystem\n"
		"      --delay-ms N    wait N ms before each operation (testing)\n",
		prog, dev_path);
}

static int handle(int fd, struct synbus_vss_msg *msg)
{
	struct timespec ts;
	int err;

	if (delay_ms) {
		ts.tv_sec = delay_ms / 1000;
		ts.tv_nsec = (delay_ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	switch (msg->op) {
	case SYNBUS_VSS_OP_FREEZE:
		err = freeze_all();
		logmsg(LOG_INFO, "freeze: %s (%d filesystems)",
		       err ? strerror(err) : "ok", nr_frozen);
		break;
	case SYNBUS_VSS_OP_THAW:
		err = thaw_all();
		logmsg(LOG_INFO, "thaw: %s", err ? strerror(err) : "ok");
		break;
	default:
		logmsg(LOG_ERR, "unknown request %u", msg->op);
		return 0;
	}
	msg->status = err;
	/* EINVAL: the kernel gave up on this request (timeout); go on. */
	if (write(fd, msg, sizeof(*msg)) != sizeof(*msg) && errno != EINVAL) {
		logmsg(LOG_ERR, "reply: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-daemon", no_argument, NULL, 'n' },
		{ "device", required_argument, NULL, 'd' },
		{ "mount", required_argument, NULL, 'm' },
		{ "delay-ms", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct synbus_vss_msg msg;
	struct sigaction sa;
	struct pollfd pfd;
	int fd, opt, ret = 0;
	char *end;

	while ((opt = getopt_long(argc, argv, "nd:m:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			foreground = true;
			break;
		case 'd':
			dev_path = optarg;
			break;
		case 'm':
			if (nr_mounts == MAX_MOUNTS) {
				fprintf(stderr, "too many mount points\n");
				return 2;
			}
			mounts[nr_mounts++] = optarg;
			break;
		case 'D':
			delay_ms = strtoul(optarg, &end, 0);
			if (*end || !*optarg) {
				fprintf(stderr, "bad --delay-ms '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}

	fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", dev_path, strerror(errno));
		return 1;
	}
	memset(&msg, 0, sizeof(msg));
	msg.size = sizeof(msg);
	msg.op = SYNBUS_VSS_OP_REGISTER;
	msg.version = SYNBUS_VSS_ABI_VERSION;
	if (write(fd, &msg, sizeof(msg)) != sizeof(msg)) {
		fprintf(stderr, "register: %s\n", strerror(errno));
		return 1;
	}
	if (!foreground) {
		if (daemon(0, 0)) {
			perror("daemon");
			return 1;
		}
		openlog("synbus-vssd", LOG_PID, LOG_DAEMON);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	logmsg(LOG_INFO, "registered with %s", dev_path);

	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop) {
		ssize_t n;

		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			logmsg(LOG_ERR, "poll: %s", strerror(errno));
			ret = 1;
			break;
		}
		n = read(fd, &msg, sizeof(msg));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n != sizeof(msg) || msg.size != sizeof(msg)) {
			logmsg(LOG_ERR, "read: %s", n < 0 ? strerror(errno) :
			       "short message");
			ret = 1;
			break;
		}
		if (handle(fd, &msg)) {
			ret = 1;
			break;
		}
	}
	/* Never leave filesystems frozen behind us. */
	if (thaw_all())
		ret = 1;
	close(fd);
	logmsg(LOG_INFO, "exiting");
	return ret;
}
