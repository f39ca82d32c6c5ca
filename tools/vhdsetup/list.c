// SPDX-License-Identifier: GPL-2.0
/*
 * Listing: -l (libsmartcols table or JSON, as losetup --list), -a and
 * the one-device status line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libsmartcols/libsmartcols.h>

#include "vhdsetup.h"

enum {
	COL_NAME,
	COL_BACK_FILE,
	COL_TYPE,
	COL_SIZE,
	COL_BLOCK_SIZE,
	COL_DEPTH,
	COL_ALLOCATED,
	COL_MAX_BLOCKS,
	COL_RO,
	COL_DIO,
	COL_AUTOCLEAR,
	COL_PARTSCAN,
	COL_PARENT,
	COL_UUID,
	COL_MAJMIN,
	COL_LOG_SEC,
	NR_COLS
};

struct colinfo {
	const char *name;
	double whint;
	int flags;
	int json_type;
	const char *help;
};

static const struct colinfo infos[NR_COLS] = {
	[COL_NAME]	 = { "NAME", 0.25, 0, SCOLS_JSON_STRING,
			     "vhd device name" },
	[COL_BACK_FILE]	 = { "BACK-FILE", 0.3, SCOLS_FL_NOEXTREMES,
			     SCOLS_JSON_STRING, "image file" },
	[COL_TYPE]	 = { "TYPE", 0.1, 0, SCOLS_JSON_STRING,
			     "image type: fixed, dynamic, differencing" },
	[COL_SIZE]	 = { "SIZE", 0.1, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			     "device size in bytes" },
	[COL_BLOCK_SIZE] = { "BLOCK-SIZE", 0.1, SCOLS_FL_RIGHT,
			     SCOLS_JSON_NUMBER,
			     "dynamic block size in bytes (0 for fixed)" },
	[COL_DEPTH]	 = { "DEPTH", 1, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			     "images in the chain" },
	[COL_ALLOCATED]	 = { "ALLOCATED", 0.1, SCOLS_FL_RIGHT,
			     SCOLS_JSON_NUMBER,
			     "blocks allocated in the top image" },
	[COL_MAX_BLOCKS] = { "MAX-BLOCKS", 0.1, SCOLS_FL_RIGHT,
			     SCOLS_JSON_NUMBER,
			     "block allocation table entries" },
	[COL_RO]	 = { "RO", 1, SCOLS_FL_RIGHT, SCOLS_JSON_BOOLEAN,
			     "read-only device" },
	[COL_DIO]	 = { "DIO", 1, SCOLS_FL_RIGHT, SCOLS_JSON_BOOLEAN,
			     "access backing files with direct-io" },
	[COL_AUTOCLEAR]	 = { "AUTOCLEAR", 1, SCOLS_FL_RIGHT,
			     SCOLS_JSON_BOOLEAN, "autoclear flag set" },
	[COL_PARTSCAN]	 = { "PARTSCAN", 1, SCOLS_FL_RIGHT,
			     SCOLS_JSON_BOOLEAN, "partition scan flag set" },
	[COL_PARENT]	 = { "PARENT", 0.3, SCOLS_FL_NOEXTREMES,
			     SCOLS_JSON_STRING, "parent image file" },
	[COL_UUID]	 = { "UUID", 36, 0, SCOLS_JSON_STRING,
			     "unique id of the top image" },
	[COL_MAJMIN]	 = { "MAJ:MIN", 6, 0, SCOLS_JSON_STRING,
			     "device major:minor number" },
	[COL_LOG_SEC]	 = { "LOG-SEC", 4, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			     "logical sector size in bytes" },
};

static int columns[NR_COLS * 2];
static int ncolumns;

static int column_id(const char *name, size_t len)
{
	int i;

	for (i = 0; i < NR_COLS; i++)
		if (strlen(infos[i].name) == len &&
		    !strncasecmp(infos[i].name, name, len))
			return i;
	/* losetup's name for the size column. */
	if (len == 9 && !strncasecmp(name, "SIZELIMIT", len))
		return COL_SIZE;
	warnx_("unknown column: %.*s", (int)len, name);
	return -1;
}

/* -O: a comma list; a leading '+' appends to the default set. */
int list_parse_columns(const char *spec)
{
	const char *p = spec, *end;
	int id;

	if (*p == '+')
		p++;
	else
		ncolumns = 0;
	while (*p) {
		end = strchrnul(p, ',');
		id = column_id(p, end - p);
		if (id < 0)
			return -EINVAL;
		if (ncolumns >= (int)ARRAY_SIZE(columns)) {
			warnx_("too many columns");
			return -EINVAL;
		}
		columns[ncolumns++] = id;
		p = *end ? end + 1 : end;
	}
	return 0;
}

void list_all_columns(void)
{
	int i;

	ncolumns = 0;
	for (i = 0; i < NR_COLS; i++)
		columns[ncolumns++] = i;
}

static void default_columns(void)
{
	static const int def[] = {
		COL_NAME, COL_TYPE, COL_SIZE, COL_DEPTH, COL_ALLOCATED,
		COL_RO, COL_DIO, COL_BACK_FILE,
	};
	size_t i;

	if (ncolumns)
		return;
	for (i = 0; i < ARRAY_SIZE(def); i++)
		columns[ncolumns++] = def[i];
}

void list_print_help_columns(FILE *out)
{
	int i;

	for (i = 0; i < NR_COLS; i++)
		fprintf(out, " %12s  %s\n", infos[i].name, infos[i].help);
}

static void uuid_str(const uint8_t *u, char *buf)
{
	int i;

	for (i = 0; i < 16; i++) {
		buf += sprintf(buf, "%02x", u[i]);
		if (i == 3 || i == 5 || i == 7 || i == 9)
			*buf++ = '-';
	}
	*buf = '\0';
}

static const char *flag(const struct vhd_dev *d, uint32_t f)
{
	return d->info.flags & f ? "1" : "0";
}

static int set_cell(struct libscols_line *ln, int n, const struct vhd_dev *d,
		    int id)
{
	char buf[64];
	const char *s = NULL;

	switch (id) {
	case COL_NAME:
		s = d->name;
		break;
	case COL_BACK_FILE:
		s = d->backing_file;
		break;
	case COL_TYPE:
		s = vhd_type_name(d->info.type);
		break;
	case COL_SIZE:
		snprintf(buf, sizeof(buf), "%llu",
			 (unsigned long long)d->info.virtual_size);
		s = buf;
		break;
	case COL_BLOCK_SIZE:
		snprintf(buf, sizeof(buf), "%u", d->info.block_size);
		s = buf;
		break;
	case COL_DEPTH:
		snprintf(buf, sizeof(buf), "%u", d->info.depth);
		s = buf;
		break;
	case COL_ALLOCATED:
		snprintf(buf, sizeof(buf), "%llu",
			 (unsigned long long)d->info.allocated_blocks);
		s = buf;
		break;
	case COL_MAX_BLOCKS:
		snprintf(buf, sizeof(buf), "%llu",
			 (unsigned long long)d->info.max_blocks);
		s = buf;
		break;
	case COL_RO:
		s = flag(d, VHD_FLAG_READ_ONLY);
		break;
	case COL_DIO:
		s = flag(d, VHD_FLAG_DIRECT_IO);
		break;
	case COL_AUTOCLEAR:
		s = flag(d, VHD_FLAG_AUTOCLEAR);
		break;
	case COL_PARTSCAN:
		s = flag(d, VHD_FLAG_PARTSCAN);
		break;
	case COL_PARENT:
		s = d->parent;
		break;
	case COL_UUID:
		uuid_str(d->info.unique_id, buf);
		s = buf;
		break;
	case COL_MAJMIN:
		snprintf(buf, sizeof(buf), "%u:%u", d->major, d->minor);
		s = buf;
		break;
	case COL_LOG_SEC:
		s = "512";
		break;
	}
	if (!s)
		return 0;
	return scols_line_set_data(ln, n, s);
}

static int add_line(struct libscols_table *tb, const struct vhd_dev *d)
{
	struct libscols_line *ln;
	int i;

	ln = scols_table_new_line(tb, NULL);
	if (!ln)
		return -ENOMEM;
	for (i = 0; i < ncolumns; i++)
		if (set_cell(ln, i, d, columns[i]))
			return -ENOMEM;
	return 0;
}

struct list_ctx {
	struct libscols_table *tb;
	const char *file;	/* -j: only devices backed by this file */
	struct stat st;
	int count;
	int err;
};

static bool same_file(const char *path, const struct stat *want)
{
	struct stat st;

	if (!path || stat(path, &st))
		return false;
	return st.st_dev == want->st_dev && st.st_ino == want->st_ino;
}

static int list_one(int index, void *arg)
{
	struct list_ctx *ctx = arg;
	struct vhd_dev d;
	int ret;

	ret = vhd_dev_load(index, &d);
	if (ret) {
		/* Races with a parallel REMOVE are not errors. */
		if (ret != -ENOENT && ret != -ENODEV)
			ctx->err = ret;
		return 0;
	}
	if (!d.attached)
		goto out;
	if (ctx->file && !same_file(d.backing_file, &ctx->st))
		goto out;
	ctx->count++;
	if (ctx->tb) {
		ret = add_line(ctx->tb, &d);
	} else {
		printf("%s: [%s] (%s)", d.name, vhd_type_name(d.info.type),
		       d.backing_file ? d.backing_file : "?");
		if (d.parent)
			printf(", parent (%s)", d.parent);
		if (d.info.depth > 2)
			printf(", depth %u", d.info.depth);
		putchar('\n');
	}
out:
	vhd_dev_free(&d);
	return ret;
}

static struct libscols_table *new_table(bool json, bool raw, bool noheadings)
{
	struct libscols_table *tb;
	int i;

	scols_init_debug(0);
	tb = scols_new_table();
	if (!tb)
		return NULL;
	scols_table_enable_json(tb, json);
	scols_table_enable_raw(tb, raw);
	scols_table_enable_noheadings(tb, noheadings);
	if (json)
		scols_table_set_name(tb, "vhddevices");
	default_columns();
	for (i = 0; i < ncolumns; i++) {
		const struct colinfo *ci = &infos[columns[i]];
		struct libscols_column *cl;

		cl = scols_table_new_column(tb, ci->name, ci->whint, ci->flags);
		if (!cl) {
			scols_unref_table(tb);
			return NULL;
		}
		if (json)
			scols_column_set_json_type(cl, ci->json_type);
	}
	return tb;
}

static int print_table(struct list_ctx *ctx)
{
	int ret = 0;

	if (ctx->err) {
		warn_(-ctx->err, "cannot read device status");
		ret = EXIT_FAIL;
	}
	if (ctx->count || !ctx->file)
		scols_print_table(ctx->tb);
	scols_unref_table(ctx->tb);
	return ret;
}

/* -l: all attached devices, or the given ones (nr > 0). */
int list_table(int *indexes, int nr, bool json, bool raw, bool noheadings)
{
	struct list_ctx ctx = { 0 };
	int i, ret;

	ctx.tb = new_table(json, raw, noheadings);
	if (!ctx.tb) {
		warnx_("cannot allocate table");
		return EXIT_FAIL;
	}
	if (nr) {
		for (i = 0; i < nr; i++)
			list_one(indexes[i], &ctx);
	} else {
		ret = vhd_iterate_devices(list_one, &ctx);
		if (ret && ret != -ENOENT)
			ctx.err = ret;
	}
	return print_table(&ctx);
}

/* -j FILE: devices backed by FILE, as -a lines or as a table. */
int list_associated(const char *file, bool table, bool json, bool raw,
		    bool noheadings)
{
	struct list_ctx ctx = { 0 };
	int ret;

	ctx.file = file;
	if (stat(file, &ctx.st)) {
		warn_(errno, "%s", file);
		return EXIT_FAIL;
	}
	if (table) {
		ctx.tb = new_table(json, raw, noheadings);
		if (!ctx.tb) {
			warnx_("cannot allocate table");
			return EXIT_FAIL;
		}
	}
	ret = vhd_iterate_devices(list_one, &ctx);
	if (ret && ret != -ENOENT)
		ctx.err = ret;
	if (ctx.tb)
		return print_table(&ctx);
	return ctx.err ? EXIT_FAIL : EXIT_OK;
}

/* -a: every attached device, one line each. */
int show_all(void)
{
	struct list_ctx ctx = { 0 };
	int ret;

	ret = vhd_iterate_devices(list_one, &ctx);
	if (ret && ret != -ENOENT)
		ctx.err = ret;
	if (ctx.err) {
		warn_(-ctx.err, "cannot read device status");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* vhdsetup DEV: one line, or an error when it is not attached. */
int show_one(int index)
{
	struct list_ctx ctx = { 0 };
	struct vhd_dev d;
	int ret;

	ret = vhd_dev_load(index, &d);
	if (ret) {
		warn_(-ret, "/dev/vhd%d", index);
		return EXIT_FAIL;
	}
	if (!d.attached) {
		warn_(ENXIO, "%s", d.name);
		return EXIT_FAIL;
	}
	vhd_dev_free(&d);
	list_one(index, &ctx);
	return ctx.err ? EXIT_FAIL : EXIT_OK;
}
