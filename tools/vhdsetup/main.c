// SPDX-License-Identifier: GPL-2.0
/*
 * vhdsetup - set up and control vhd devices (util-linux losetup style).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhdsetup.h"

#ifndef VHDSETUP_VERSION
#define VHDSETUP_VERSION "0.1"
#endif

const char *progname = "vhdsetup";
bool verbose;

enum action {
	A_NONE,
	A_ATTACH,	/* [DEV] FILE, or -f FILE */
	A_FIND,		/* -f alone: print the first free device */
	A_DETACH,	/* -d DEV... */
	A_DETACH_ALL,	/* -D */
	A_LIST,		/* -l, or no arguments */
	A_SHOW_ALL,	/* -a */
	A_SHOW_ONE,	/* DEV */
	A_ASSOC,	/* -j FILE */
	A_MERGE,	/* --merge DEV */
	A_RESIZE,	/* --resize SIZE DEV */
	A_COMPACT,	/* --compact DEV */
	A_MOVE,		/* --move FILE DEV */
	A_CANCEL,	/* --cancel DEV */
};

enum {
	OPT_SIZELIMIT = 0x100,
	OPT_DIRECT_IO,
	OPT_SHOW,
	OPT_RAW,
	OPT_OUTPUT_ALL,
	OPT_AUTOCLEAR,
	OPT_MERGE,
	OPT_LEVEL,
	OPT_DELETE,
	OPT_RESIZE,
	OPT_COMPACT,
	OPT_MOVE,
	OPT_FLATTEN,
	OPT_CANCEL,
	OPT_NO_WAIT,
	OPT_PROGRESS,
};

static void usage(FILE *out)
{
	fprintf(out, "Usage:\n"
		" %1$s [options] [<vhddev>]\n"
		" %1$s [options] -f | <vhddev> <file>\n"
		" %1$s --merge|--compact|--resize <size>|--move <file> [options] <vhddev>\n"
		" %1$s --cancel <vhddev>\n"
		"\n"
		"Set up and control vhd devices (VHD 1.0 images through vhd.ko).\n"
		"\n"
		"Options:\n"
		" -a, --all                     list all used devices\n"
		" -d, --detach <vhddev>...      detach one or more devices\n"
		" -D, --detach-all              detach all used devices\n"
		" -f, --find                    find first unused device\n"
		" -j, --associated <file>       list all devices associated with <file>\n"
		"\n"
		"     --sizelimit <num>         device limited to <num> bytes of the image\n"
		" -P, --partscan                create a partitioned device\n"
		" -r, --read-only               set up a read-only device\n"
		"     --direct-io[=<on|off>]    open backing files with O_DIRECT\n"
		"     --autoclear               detach the device on its last close\n"
		"     --show                    print device name after setup (with -f)\n"
		" -v, --verbose                 verbose mode\n"
		"\n"
		"Online operations, on an attached <vhddev> that stays in use:\n"
		"     --merge                   merge the top image into its parent\n"
		"     --level <n>               with --merge: merge layer <n> (0: the top)\n"
		"                                 into layer <n>+1 instead\n"
		"     --delete                  with --merge: remove the merged file after\n"
		"     --resize <size>           grow the device to <size> bytes\n"
		"     --compact                 shrink the top image: drop redundant blocks\n"
		"     --move <file>             move the top image to the new <file>\n"
		"     --flatten                 with --move: the whole chain, as one image\n"
		"     --cancel                  stop the operation running on <vhddev>\n"
		"     --no-wait                 return once the operation has started\n"
		"     --progress                print progress to stderr while waiting\n"
		"\n"
		" -J, --json                    use JSON --list output format\n"
		" -l, --list                    list info about all or specified (default)\n"
		" -n, --noheadings              don't print headings for --list output\n"
		" -O, --output <cols>           specify columns to output for --list\n"
		"     --output-all              output all columns\n"
		"     --raw                     use raw --list output format\n"
		"\n"
		" -h, --help                    display this help\n"
		" -V, --version                 display version\n"
		"\n"
		"Available output columns:\n",
		progname);
	list_print_help_columns(out);
	fprintf(out, "\nFor more details see vhdsetup(8).\n");
}

/* Size with an optional binary suffix (K, M, G, T; KiB, MiB ... too). */
static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	switch (*end) {
	case 'K': case 'k':
		shift = 10;
		break;
	case 'M': case 'm':
		shift = 20;
		break;
	case 'G': case 'g':
		shift = 30;
		break;
	case 'T': case 't':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (shift) {
		end++;
		if (!strcmp(end, "iB") || !strcmp(end, "B") || !*end)
			end += strlen(end);
	}
	if (*end || (shift && v > (~0ULL >> shift)))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_dev_or_die(const char *arg, int *index)
{
	if (vhd_parse_devname(arg, index)) {
		warnx_("%s: not a vhd device name", arg);
		return -1;
	}
	return 0;
}

static int detach_devs(char **devs, int nr)
{
	int i, index, ret, rc = EXIT_OK;

	for (i = 0; i < nr; i++) {
		if (parse_dev_or_die(devs[i], &index)) {
			rc = EXIT_FAIL;
			continue;
		}
		ret = vhd_dev_detach(index);
		if (ret) {
			warn_(-ret, "%s: detach failed", devs[i]);
			rc = EXIT_FAIL;
		} else if (verbose) {
			printf("%s: detached\n", devs[i]);
		}
	}
	return rc;
}

static int detach_one_attached(int index, void *arg)
{
	int *rc = arg;
	struct vhd_info info;
	int ret;

	ret = vhd_dev_get_info(index, &info);
	if (ret == -ENXIO || ret == -ENOENT || ret == -ENODEV)
		return 0;
	if (!ret)
		ret = vhd_dev_detach(index);
	if (ret && ret != -ENXIO) {
		warn_(-ret, "/dev/vhd%d: detach failed", index);
		*rc = EXIT_FAIL;
	}
	return 0;
}

static int detach_all(void)
{
	int rc = EXIT_OK, ret;

	ret = vhd_iterate_devices(detach_one_attached, &rc);
	if (ret && ret != -ENOENT) {
		warn_(-ret, "cannot list devices");
		return EXIT_FAIL;
	}
	return rc;
}

/* --level: 0 (the top) up to the last layer that has a parent. */
static int parse_level(const char *s, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > VHD_MAX_DEPTH - 2)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static bool is_op_action(enum action act)
{
	return act == A_MERGE || act == A_RESIZE || act == A_COMPACT ||
	       act == A_MOVE;
}

/* The option combinations of the online operations, and their device. */
static int check_op_args(enum action act, const struct op_opts *oo,
			 bool merge_opts, int nargs)
{
	if (merge_opts && act != A_MERGE) {
		warnx_("--level, --delete: only with --merge");
		return -1;
	}
	if (oo->flatten && act != A_MOVE) {
		warnx_("--flatten: only with --move");
		return -1;
	}
	if (oo->progress && !is_op_action(act)) {
		warnx_("--progress: only with --merge, --resize, --compact, --move");
		return -1;
	}
	if (oo->no_wait && !is_op_action(act) && act != A_CANCEL) {
		warnx_("--no-wait: only with --merge, --resize, --compact, --move, --cancel");
		return -1;
	}
	if (oo->no_wait && oo->progress) {
		warnx_("--no-wait and --progress are mutually exclusive");
		return -1;
	}
	if (oo->no_wait && oo->delete) {
		warnx_("--delete needs the merge to end: not with --no-wait");
		return -1;
	}
	if (!is_op_action(act) && act != A_CANCEL)
		return 0;
	if (!nargs) {
		warnx_("no device specified");
		return -1;
	}
	if (nargs > 1) {
		warnx_("too many arguments");
		return -1;
	}
	return 0;
}

static int find_free(void)
{
	char name[32];
	int n;

	n = vhd_ctl_find_free();
	if (n < 0) {
		warn_(-n, "cannot find an unused vhd device");
		return EXIT_FAIL;
	}
	vhd_devname(n, name, sizeof(name));
	printf("%s\n", name);
	return EXIT_OK;
}

static const struct option longopts[] = {
	{ "all",	  no_argument,	     NULL, 'a' },
	{ "detach",	  no_argument,	     NULL, 'd' },
	{ "detach-all",	  no_argument,	     NULL, 'D' },
	{ "find",	  no_argument,	     NULL, 'f' },
	{ "associated",	  required_argument, NULL, 'j' },
	{ "sizelimit",	  required_argument, NULL, OPT_SIZELIMIT },
	{ "partscan",	  no_argument,	     NULL, 'P' },
	{ "read-only",	  no_argument,	     NULL, 'r' },
	{ "readonly",	  no_argument,	     NULL, 'r' },
	{ "direct-io",	  optional_argument, NULL, OPT_DIRECT_IO },
	{ "autoclear",	  no_argument,	     NULL, OPT_AUTOCLEAR },
	{ "show",	  no_argument,	     NULL, OPT_SHOW },
	{ "verbose",	  no_argument,	     NULL, 'v' },
	{ "json",	  no_argument,	     NULL, 'J' },
	{ "list",	  no_argument,	     NULL, 'l' },
	{ "noheadings",	  no_argument,	     NULL, 'n' },
	{ "output",	  required_argument, NULL, 'O' },
	{ "output-all",	  no_argument,	     NULL, OPT_OUTPUT_ALL },
	{ "raw",	  no_argument,	     NULL, OPT_RAW },
	{ "merge",	  no_argument,	     NULL, OPT_MERGE },
	{ "level",	  required_argument, NULL, OPT_LEVEL },
	{ "delete",	  no_argument,	     NULL, OPT_DELETE },
	{ "resize",	  required_argument, NULL, OPT_RESIZE },
	{ "compact",	  no_argument,	     NULL, OPT_COMPACT },
	{ "move",	  required_argument, NULL, OPT_MOVE },
	{ "flatten",	  no_argument,	     NULL, OPT_FLATTEN },
	{ "cancel",	  no_argument,	     NULL, OPT_CANCEL },
	{ "no-wait",	  no_argument,	     NULL, OPT_NO_WAIT },
	{ "progress",	  no_argument,	     NULL, OPT_PROGRESS },
	{ "help",	  no_argument,	     NULL, 'h' },
	{ "version",	  no_argument,	     NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Options that only make sense with one action, as losetup enforces. */
static int set_action(enum action *act, enum action want)
{
	if (*act != A_NONE && *act != want) {
		warnx_("mutually exclusive arguments");
		return -1;
	}
	*act = want;
	return 0;
}

int main(int argc, char **argv)
{
	struct attach_opts ao = { 0 };
	struct op_opts oo = { 0 };
	bool merge_opts = false;
	bool list = false, json = false, raw = false, noheadings = false;
	bool setup_opts = false;
	enum action act = A_NONE;
	const char *assoc = NULL;
	int c, index = -1, nargs;

	while ((c = getopt_long(argc, argv, "adDfhJj:lnO:PrvV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'a':
			if (set_action(&act, A_SHOW_ALL))
				return EXIT_FAIL;
			break;
		case 'd':
			/* The devices are the positional arguments. */
			if (set_action(&act, A_DETACH))
				return EXIT_FAIL;
			break;
		case 'D':
			if (set_action(&act, A_DETACH_ALL))
				return EXIT_FAIL;
			break;
		case 'f':
			ao.find = true;
			break;
		case 'j':
			if (set_action(&act, A_ASSOC))
				return EXIT_FAIL;
			assoc = optarg;
			break;
		case OPT_SIZELIMIT:
			if (parse_size(optarg, &ao.sizelimit) ||
			    ao.sizelimit % 512) {
				warnx_("invalid size limit: %s (must be a multiple of 512)",
				       optarg);
				return EXIT_FAIL;
			}
			setup_opts = true;
			break;
		case 'P':
			ao.partscan = true;
			setup_opts = true;
			break;
		case 'r':
			ao.read_only = true;
			setup_opts = true;
			break;
		case OPT_DIRECT_IO:
			if (!optarg || !strcmp(optarg, "on") ||
			    !strcmp(optarg, "1")) {
				ao.direct_io = true;
			} else if (!strcmp(optarg, "off") ||
				   !strcmp(optarg, "0")) {
				ao.direct_io = false;
			} else {
				warnx_("unsupported --direct-io argument: %s",
				       optarg);
				return EXIT_FAIL;
			}
			setup_opts = true;
			break;
		case OPT_AUTOCLEAR:
			ao.autoclear = true;
			setup_opts = true;
			break;
		case OPT_SHOW:
			ao.show = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'J':
			json = true;
			break;
		case 'l':
			list = true;
			break;
		case 'n':
			noheadings = true;
			break;
		case 'O':
			if (list_parse_columns(optarg))
				return EXIT_FAIL;
			list = true;
			break;
		case OPT_OUTPUT_ALL:
			list_all_columns();
			list = true;
			break;
		case OPT_RAW:
			raw = true;
			break;
		case OPT_MERGE:
			if (set_action(&act, A_MERGE))
				return EXIT_FAIL;
			oo.op = VHD_OP_MERGE;
			break;
		case OPT_LEVEL:
			if (parse_level(optarg, &oo.level)) {
				warnx_("invalid level: %s (0 to %d)", optarg,
				       VHD_MAX_DEPTH - 2);
				return EXIT_FAIL;
			}
			merge_opts = true;
			break;
		case OPT_DELETE:
			oo.delete = true;
			merge_opts = true;
			break;
		case OPT_RESIZE:
			if (set_action(&act, A_RESIZE))
				return EXIT_FAIL;
			if (parse_size(optarg, &oo.new_size) ||
			    oo.new_size % 512) {
				warnx_("invalid size: %s (must be a multiple of 512)",
				       optarg);
				return EXIT_FAIL;
			}
			oo.op = VHD_OP_RESIZE;
			break;
		case OPT_COMPACT:
			if (set_action(&act, A_COMPACT))
				return EXIT_FAIL;
			oo.op = VHD_OP_COMPACT;
			break;
		case OPT_MOVE:
			if (set_action(&act, A_MOVE))
				return EXIT_FAIL;
			oo.op = VHD_OP_MOVE;
			oo.move_file = optarg;
			break;
		case OPT_FLATTEN:
			oo.flatten = true;
			break;
		case OPT_CANCEL:
			if (set_action(&act, A_CANCEL))
				return EXIT_FAIL;
			break;
		case OPT_NO_WAIT:
			oo.no_wait = true;
			break;
		case OPT_PROGRESS:
			oo.progress = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("%s %s\n", progname, VHDSETUP_VERSION);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n",
				progname);
			return EXIT_FAIL;
		}
	}
	nargs = argc - optind;

	if (act == A_NONE) {
		if (ao.find) {
			if (nargs > 1) {
				warnx_("too many arguments");
				return EXIT_FAIL;
			}
			act = nargs ? A_ATTACH : A_FIND;
		} else if (nargs == 2) {
			act = A_ATTACH;
		} else if (nargs == 1) {
			act = A_SHOW_ONE;
		} else if (nargs == 0) {
			act = A_LIST;
		} else {
			warnx_("too many arguments");
			return EXIT_FAIL;
		}
	} else if (ao.find) {
		warnx_("mutually exclusive arguments");
		return EXIT_FAIL;
	}
	if (setup_opts && act != A_ATTACH) {
		warnx_("--sizelimit, -P, -r, --direct-io, --autoclear: only to set up a device");
		return EXIT_FAIL;
	}
	if (ao.show && act != A_ATTACH) {
		warnx_("the option --show is allowed only with a file to set up");
		return EXIT_FAIL;
	}
	if (check_op_args(act, &oo, merge_opts, nargs))
		return EXIT_FAIL;

	switch (act) {
	case A_ATTACH:
		if (!ao.find && parse_dev_or_die(argv[optind], &index))
			return EXIT_FAIL;
		return vhd_attach_file(index, argv[argc - 1], &ao);
	case A_FIND:
		return find_free();
	case A_DETACH:
		if (!nargs) {
			warnx_("no device specified");
			return EXIT_FAIL;
		}
		return detach_devs(argv + optind, nargs);
	case A_DETACH_ALL:
		if (nargs) {
			warnx_("too many arguments");
			return EXIT_FAIL;
		}
		return detach_all();
	case A_SHOW_ALL:
		if (nargs) {
			warnx_("too many arguments");
			return EXIT_FAIL;
		}
		if (list)
			return list_table(NULL, 0, json, raw, noheadings);
		return show_all();
	case A_ASSOC:
		return list_associated(assoc, list, json, raw, noheadings);
	case A_SHOW_ONE:
		if (parse_dev_or_die(argv[optind], &index))
			return EXIT_FAIL;
		if (list)
			return list_table(&index, 1, json, raw, noheadings);
		return show_one(index);
	case A_LIST:
		return list_table(NULL, 0, json, raw, noheadings);
	case A_MERGE:
	case A_RESIZE:
	case A_COMPACT:
	case A_MOVE:
		if (parse_dev_or_die(argv[optind], &index))
			return EXIT_FAIL;
		return vhd_op_run(index, &oo);
	case A_CANCEL:
		if (parse_dev_or_die(argv[optind], &index))
			return EXIT_FAIL;
		return vhd_op_cancel(index, oo.no_wait);
	case A_NONE:
		break;
	}
	return EXIT_FAIL;
}
