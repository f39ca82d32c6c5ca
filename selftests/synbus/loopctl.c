// SPDX-License-Identifier: GPL-2.0
/*
 * synbus-loopctl: drive the synbus loopback host from the shell.
 *   offer CLASS [RING_BYTES]       prints the new device id
 *   rescind ID
 *   fault ID none|corrupt|oversize|garbage|stall [MS]|rescind STEP [COUNT]
 *   echo ID SIZE [COUNT]           write/read/compare round trips
 */
#include "synbus_user.h"

static int usage(void)
{
	fprintf(stderr, "usage: synbus-loopctl offer CLASS [RING] | rescind ID |\n"
		"  fault ID none|corrupt|oversize|garbage|stall [MS]|rescind open|buffer|io|close|offer [COUNT] |\n"
		"  echo ID SIZE [COUNT]\n");
	return 2;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "synbus-loopctl: %s: %s\n", what, strerror(-err));
	return 1;
}

static int do_fault(int argc, char **argv)
{
	static const char * const steps[] = { "", "offer", "open", "buffer", "io", "close" };
	const char *t = argv[3];
	uint32_t arg = argc > 4 ? strtoul(argv[4], NULL, 0) : 0;
	uint32_t step = 0;
	int ret;

	if (!strcmp(t, "none"))
		ret = sb_fault(argv[2], SYNBUS_FAULT_NONE, 0, 0, 0);
	else if (!strcmp(t, "corrupt"))
		ret = sb_fault(argv[2], SYNBUS_FAULT_CORRUPT_INDEX, 0, 0, 0);
	else if (!strcmp(t, "oversize"))
		ret = sb_fault(argv[2], SYNBUS_FAULT_OVERSIZE, 0, 0, 0);
	else if (!strcmp(t, "garbage"))
		ret = sb_fault(argv[2], SYNBUS_FAULT_GARBAGE, 0, 0, 0);
	else if (!strcmp(t, "stall"))
		ret = sb_fault(argv[2], SYNBUS_FAULT_STALL, 0, 0, arg);
	else if (!strcmp(t, "rescind") && argc > 4) {
		for (step = 1; step < 6; step++)
			if (!strcmp(argv[4], steps[step]))
				break;
		if (step == 6)
			return usage();
		ret = sb_fault(argv[2], SYNBUS_FAULT_RESCIND_AT, step,
			       argc > 5 ? strtoul(argv[5], NULL, 0) : 0, 0);
	} else
		return usage();
	return ret ? fail("fault", ret) : 0;
}

static int do_echo(const char *id, size_t size, long count)
{
	static uint8_t out[1 << 17], in[1 << 17];
	int fd = sb_echo_open(id, 0);
	size_t i;
	long n;

	if (fd < 0)
		return fail("open echo device", -errno);
	if (size > sizeof(out))
		return usage();
	for (i = 0; i < size; i++)
		out[i] = (uint8_t)(i * 7 + 1);
	for (n = 0; n < count; n++) {
		if (write(fd, out, size) != (ssize_t)size)
			return fail("write", -errno);
		if (read(fd, in, sizeof(in)) != (ssize_t)size || memcmp(in, out, size))
			return fail("echo mismatch", -EBADMSG);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	char id[37];
	int ret;

	if (argc < 3)
		return usage();
	if (!strcmp(argv[1], "offer")) {
		ret = sb_offer(argv[2], argc > 3 ? strtoul(argv[3], NULL, 0) : 0, 0, id);
		if (ret)
			return fail("offer", ret);
		printf("%s\n", id);
		return 0;
	}
	if (!strcmp(argv[1], "rescind")) {
		ret = sb_rescind(argv[2]);
		return ret ? fail("rescind", ret) : 0;
	}
	if (!strcmp(argv[1], "fault") && argc > 3)
		return do_fault(argc, argv);
	if (!strcmp(argv[1], "echo") && argc > 3)
		return do_echo(argv[2], strtoul(argv[3], NULL, 0),
			       argc > 4 ? strtol(argv[4], NULL, 0) : 1);
	return usage();
}
