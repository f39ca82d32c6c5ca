// SPDX-License-Identifier: GPL-2.0
/*
 * synbus-hostctl: send one command to synbus-hostd's control socket and
 * print the answer. The daemon ends every answer with "ok" or
 * "error: <message>"; we close our side after the command and read to
 * EOF, so an answer line that happens to read "ok" cannot fool us.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: synbus-hostctl [-d DIR] COMMAND [ARG]...\n"
		"       synbus-hostctl help   (the daemon's commands)\n");
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *dir = getenv("SYNBUS_HOSTD_DIR");
	char *cmd = NULL, *ans = NULL, *last, buf[4096];
	size_t cmdlen = 0, anslen = 0;
	FILE *cf, *af;
	ssize_t n;
	int c, fd, i;

	if (!dir || !*dir)
		dir = "/run/synbus-hostd";
	while ((c = getopt(argc, argv, "+d:h")) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control.sock",
			     dir) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "synbus-hostctl: %s: path too long\n", dir);
		return 1;
	}
	cf = open_memstream(&cmd, &cmdlen);
	if (!cf)
		return 1;
	for (i = optind; i < argc; i++) {
		if (strpbrk(argv[i], "\n\r")) {
			fprintf(stderr, "synbus-hostctl: no newlines in arguments\n");
			return 2;
		}
		fprintf(cf, "%s%s", i > optind ? " " : "", argv[i]);
	}
	fputc('\n', cf);
	fclose(cf);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "synbus-hostctl: %s: %s\n", sa.sun_path, strerror(errno));
		return 1;
	}
	if (write(fd, cmd, cmdlen) != (ssize_t)cmdlen) {
		fprintf(stderr, "synbus-hostctl: send: %s\n", strerror(errno));
		return 1;
	}
	shutdown(fd, SHUT_WR);
	af = open_memstream(&ans, &anslen);
	if (!af)
		return 1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, af);
	fclose(af);
	/* The last line is the status; everything before it is the answer. */
	while (anslen && ans[anslen - 1] == '\n')
		ans[--anslen] = 0;
	last = strrchr(ans, '\n');
	last = last ? last + 1 : ans;
	fwrite(ans, 1, last - ans, stdout);
	if (!strcmp(last, "ok"))
		return 0;
	if (!strncmp(last, "error: ", 7))
		fprintf(stderr, "synbus-hostctl: %s\n", last + 7);
	else
		fprintf(stderr, "synbus-hostctl: no answer from the daemon\n");
	return 1;
}
