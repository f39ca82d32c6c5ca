/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace helpers for the synbus tests, loopctl and the bench. */
#ifndef SYNBUS_USER_H
#define SYNBUS_USER_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/synbus.h>

/* GUID text <-> the kernel's guid_t bytes (first three groups LE). */
static inline int sb_guid_parse(const char *s, uint8_t g[16])
{
	static const int pos[16] = { 6, 4, 2, 0, 11, 9, 16, 14,
				     19, 21, 24, 26, 28, 30, 32, 34 };
	int i;

	if (strlen(s) < 36)
		return -1;
	for (i = 0; i < 16; i++) {
		unsigned int v;

		if (sscanf(s + pos[i], "%2x", &v) != 1)
			return -1;
		g[i] = v;
	}
	return 0;
}

static inline void sb_guid_str(const uint8_t g[16], char s[37])
{
	snprintf(s, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6],
		 g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static inline int sb_loop_fd(void)
{
	return open("/dev/synbus-loop", O_RDWR | O_CLOEXEC);
}

/* Offer a device of @cls; its id goes to @id. Returns 0 or -errno. */
static inline int sb_offer(const char *cls, uint32_t ring, uint32_t flags, char id[37])
{
	struct synbus_loop_offer o = { .size = sizeof(o), .flags = flags, .ring_hint = ring };
	int fd = sb_loop_fd(), ret;

	if (fd < 0)
		return -errno;
	sb_guid_parse(cls, o.class_id);
	ret = ioctl(fd, SYNBUS_LOOP_OFFER, &o) ? -errno : 0;
	close(fd);
	if (!ret)
		sb_guid_str(o.device_id, id);
	return ret;
}

static inline int sb_rescind(const char *id)
{
	struct synbus_loop_rescind r = { .size = sizeof(r) };
	int fd = sb_loop_fd(), ret;

	if (fd < 0)
		return -errno;
	sb_guid_parse(id, r.device_id);
	ret = ioctl(fd, SYNBUS_LOOP_RESCIND, &r) ? -errno : 0;
	close(fd);
	return ret;
}

static inline int sb_fault(const char *id, uint32_t type, uint32_t step,
			   uint32_t count, uint32_t stall_ms)
{
	struct synbus_loop_fault f = { .size = sizeof(f), .type = type, .step = step,
				       .count = count, .stall_ms = stall_ms };
	int fd = sb_loop_fd(), ret;

	if (fd < 0)
		return -errno;
	sb_guid_parse(id, f.device_id);
	ret = ioctl(fd, SYNBUS_LOOP_FAULT, &f) ? -errno : 0;
	close(fd);
	return ret;
}

static inline double sb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Open /dev/synbus-echo-<id>, waiting for devtmpfs up to 3 s. */
static inline int sb_echo_open(const char *id, int flags)
{
	char path[96];
	double end = sb_now() + 3;
	int fd;

	snprintf(path, sizeof(path), "/dev/synbus-echo-%s", id);
	for (;;) {
		fd = open(path, O_RDWR | O_CLOEXEC | flags);
		if (fd >= 0 || sb_now() > end)
			return fd;
		usleep(10000);
	}
}

/* A number from /sys/bus/synbus/devices/<id>/<attr>, or -1. */
static inline long long sb_sysfs_num(const char *id, const char *attr)
{
	char path[160], buf[64];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/synbus/devices/%s/%s", id, attr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtoll(buf, NULL, 0);
	fclose(f);
	return v;
}

static inline int sb_sysfs_str(const char *id, const char *attr, char *buf, size_t len)
{
	char path[160];
	FILE *f;
	int ret = -1;

	snprintf(path, sizeof(path), "/sys/bus/synbus/devices/%s/%s", id, attr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, len, f)) {
		buf[strcspn(buf, "\n")] = 0;
		ret = 0;
	}
	fclose(f);
	return ret;
}

static inline int sb_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static inline int sb_exists(const char *id)
{
	char path[160];

	snprintf(path, sizeof(path), "/sys/bus/synbus/devices/%s", id);
	return access(path, F_OK) == 0;
}

#endif /* SYNBUS_USER_H */
