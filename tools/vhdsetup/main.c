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
};

enum {
	OPT_SIZELIMIT = 0x100,
	OPT_DIRECT_IO,
	OPT_SHOW,
	OPT_RAW,
	OPT_OUTPUT_ALL,
	OPT_AUTOCLEAR,
};

static void usage(FILE *out)
{
	fprintf(out, "Usage:\n"
		" %1$s [options] [<vhddev>]\n"
		" %1$s [options] -f | <vhddev> <file>\n"
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
	case A_NONE:
		break;
	}
	return EXIT_FAIL;
}
