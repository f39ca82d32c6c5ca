// SPDX-License-Identifier: GPL-2.0
/*
 * hog MIB [SECONDS [MS]]: allocate and touch MIB MiB (one MiB every MS
 * milliseconds), hold them SECONDS (0), exit 0. Used to put the guest
 * under memory pressure, at once or gradually.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t mib, i;
	long ms = 0;
	char *p;

	if (argc < 2)
		return 2;
	mib = strtoul(argv[1], NULL, 0);
	if (argc > 3)
		ms = atol(argv[3]);
	for (i = 0; i < mib; i++) {
		if (ms)
			usleep(ms * 1000);
		p = malloc(1 << 20);
		if (!p) {
			fprintf(stderr, "hog: malloc failed after %zu MiB\n", i);
			return 1;
		}
		memset(p, 0x5a, 1 << 20);
	}
	printf("hog: %zu MiB touched\n", mib);
	fflush(stdout);
	if (argc > 2)
		sleep(atoi(argv[2]));
	return 0;
}
