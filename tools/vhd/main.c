// SPDX-License-Identifier: GPL-2.0
/*
 * vhd - create, inspect, check, convert, merge, resize and compact VHD
 * images offline.
 */
#include <stdio.h>
#include <string.h>

#include "vhd.h"

const char *progname = "vhd";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vhd COMMAND [OPTIONS] ...\n"
		"  create  [-t fixed|dynamic|differencing] -s SIZE [-b BLOCK]\n"
		"          [-p PARENT] [--zero] [--sparse] [-f] FILE\n"
		"  info    [--output=human|json] [--size-rule=RULE] FILE\n"
		"  check   [--repair] [--output=human|json] FILE\n"
		"  convert [-f raw|vhd] [-O raw|fixed|dynamic] [-b BLOCK]\n"
		"          [--size-rule=RULE] INPUT OUTPUT\n"
		"  merge   [--into ANCESTOR] [--delete] CHILD\n"
		"  resize  --size SIZE IMAGE\n"
		"  compact IMAGE\n"
		"  set-uuid [--uuid UUID] IMAGE [--relink CHILD...]\n"
		"  snapshot IMAGE SNAP\n"
		"  discard-snapshot SNAP\n"
		"SIZE takes K, M, G, T suffixes (binary). RULE: auto|current|chs.\n"
		"See vhd(1).\n");
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("vhd 1.0 (creator \"%s\")\n", VHD_CREATOR_APP);
		return 0;
	}
	if (!strcmp(cmd, "create"))
		return cmd_create(argc - 1, argv + 1);
	if (!strcmp(cmd, "info"))
		return cmd_info(argc - 1, argv + 1);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(cmd, "convert"))
		return cmd_convert(argc - 1, argv + 1);
	if (!strcmp(cmd, "merge"))
		return cmd_merge(argc - 1, argv + 1);
	if (!strcmp(cmd, "resize"))
		return cmd_resize(argc - 1, argv + 1);
	if (!strcmp(cmd, "compact"))
		return cmd_compact(argc - 1, argv + 1);
	if (!strcmp(cmd, "set-uuid"))
		return cmd_set_uuid(argc - 1, argv + 1);
	if (!strcmp(cmd, "snapshot"))
		return cmd_snapshot(argc - 1, argv + 1);
	if (!strcmp(cmd, "discard-snapshot"))
		return cmd_discard_snapshot(argc - 1, argv + 1);
	warnx_("unknown command '%s'", cmd);
	usage(stderr);
	return 1;
}
