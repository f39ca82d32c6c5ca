// SPDX-License-Identifier: GPL-2.0
/* vhd info: what an image says about itself, and its chain as resolved. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhd.h"

static const struct {
	u32 flag;
	const char *text;
} warn_names[] = {
	{ VHD_W_OLD_FOOTER, "511-byte footer (before Virtual PC 2004)" },
	{ VHD_W_HIDDEN, "hidden byte set (blktap)" },
	{ VHD_W_RESERVED, "non-zero reserved bytes" },
	{ VHD_W_FEATURES, "reserved feature bit clear" },
	{ VHD_W_SAVED_STATE, "saved state set" },
	{ VHD_W_CHS_SIZE, "virtual size taken from CHS geometry" },
	{ VHD_W_PARENT_TIME, "parent timestamp differs from the link" },
	{ VHD_W_LOC_SECTORS, "locator data space counted in sectors" },
	{ VHD_W_LOC_UNKNOWN, "unknown locator platform code" },
	{ VHD_W_GEOMETRY, "CHS geometry differs from the spec's rule" },
	{ VHD_W_TEMPORARY, "temporary feature bit set" },
};

static void print_human(struct vhd_image *img, int chain_err,
			const char *where)
{
	const struct vhd_footer *f = &img->footer;
	const struct vhd_dynhdr *h = &img->hdr;
	char u[37], code[5], app[5], os[5], buf[PATH_MAX];
	struct vhd_image *p;
	u32 i;

	code_str(f->creator_app, app);
	code32_str(f->creator_os, os);
	vhdio_uuid_str(f->uuid, u);
	printf("image: %s\n", img->path);
	printf("type: %s\n", vhd_type_name(f->disk_type));
	printf("virtual size: %llu\n", (unsigned long long)f->virtual_size);
	printf("current size: %llu\n", (unsigned long long)f->cur_size);
	printf("original size: %llu\n", (unsigned long long)f->orig_size);
	printf("file size: %llu\n", (unsigned long long)img->file_size);
	printf("geometry: %u/%u/%u (CHS size %llu)\n", f->chs.cylinders,
	       f->chs.heads, f->chs.sectors,
	       (unsigned long long)vhd_chs_size(&f->chs));
	printf("creator: \"%s\" %u.%u on \"%s\"\n", app,
	       f->creator_ver >> 16, f->creator_ver & 0xFFFF, os);
	printf("timestamp: %u (unix %llu)\n", f->timestamp,
	       (unsigned long long)vhd_time_to_unix(f->timestamp));
	printf("unique id: %s\n", u);
	printf("saved state: %s\n", f->saved_state ? "yes" : "no");
	if (vhd_is_sparse(f)) {
		printf("block size: %u\n", h->block_size);
		printf("BAT: %u entries at %llu\n", h->max_table_entries,
		       (unsigned long long)h->table_offset);
		printf("allocated blocks: %u\n", img->stats.allocated);
	}
	if (f->disk_type == VHD_TYPE_DIFF) {
		vhdio_uuid_str(h->parent_uuid, u);
		printf("parent unique id: %s\n", u);
		printf("parent timestamp: %u\n", h->parent_timestamp);
		if (!vhd_parent_name_get(h, buf, sizeof(buf)))
			printf("parent name: %s\n", buf);
		for (i = 0; i < VHD_MAX_LOCATORS; i++) {
			if (!h->loc[i].code)
				continue;
			code32_str(h->loc[i].code, code);
			if (vhd_image_locator(img, i, buf, sizeof(buf)))
				snprintf(buf, sizeof(buf), "(undecodable)");
			printf("locator %u: %s %s\n", i, code, buf);
		}
	}
	for (i = 0; i < sizeof(warn_names) / sizeof(warn_names[0]); i++)
		if (img->warn & warn_names[i].flag)
			printf("note: %s\n", warn_names[i].text);
	if (img->footer_from_copy)
		printf("note: trailing footer damaged, using the copy at 0\n");
	printf("chain depth: %d\n", vhd_image_depth(img));
	for (p = img->parent, i = 1; p; p = p->parent, i++) {
		vhdio_uuid_str(p->footer.uuid, u);
		printf("parent %u: %s (%s, %s)\n", i, p->path,
		       vhd_type_name(p->footer.disk_type), u);
	}
	if (chain_err)
		printf("chain error: %s: %s\n", where ? where : img->path,
		       vhdio_strerror(chain_err));
}

static void json_u64(const char *k, u64 v, bool comma)
{
	printf("  \"%s\": %llu%s\n", k, (unsigned long long)v,
	       comma ? "," : "");
}

static void print_json(struct vhd_image *img, int chain_err,
		       const char *where)
{
	const struct vhd_footer *f = &img->footer;
	const struct vhd_dynhdr *h = &img->hdr;
	char u[37], code[5], buf[PATH_MAX];
	struct vhd_image *p;
	bool first;
	u32 i;

	printf("{\n  \"filename\": ");
	json_str(stdout, img->path);
	printf(",\n  \"type\": \"%s\",\n", vhd_type_name(f->disk_type));
	json_u64("virtual-size", f->virtual_size, true);
	json_u64("current-size", f->cur_size, true);
	json_u64("original-size", f->orig_size, true);
	json_u64("file-size", img->file_size, true);
	printf("  \"geometry\": {\"cylinders\": %u, \"heads\": %u, \"sectors\": %u},\n",
	       f->chs.cylinders, f->chs.heads, f->chs.sectors);
	code_str(f->creator_app, code);
	printf("  \"creator-app\": ");
	json_str(stdout, code);
	printf(",\n  \"creator-version\": \"%u.%u\",\n", f->creator_ver >> 16,
	       f->creator_ver & 0xFFFF);
	code32_str(f->creator_os, code);
	printf("  \"creator-os\": ");
	json_str(stdout, code);
	printf(",\n");
	json_u64("timestamp", vhd_time_to_unix(f->timestamp), true);
	vhdio_uuid_str(f->uuid, u);
	printf("  \"uuid\": \"%s\",\n", u);
	printf("  \"saved-state\": %s,\n", f->saved_state ? "true" : "false");
	if (vhd_is_sparse(f)) {
		json_u64("block-size", h->block_size, true);
		json_u64("bat-entries", h->max_table_entries, true);
		json_u64("allocated-blocks", img->stats.allocated, true);
	}
	if (f->disk_type == VHD_TYPE_DIFF) {
		vhdio_uuid_str(h->parent_uuid, u);
		printf("  \"parent-uuid\": \"%s\",\n", u);
		json_u64("parent-timestamp", h->parent_timestamp, true);
		if (!vhd_parent_name_get(h, buf, sizeof(buf))) {
			printf("  \"parent-name\": ");
			json_str(stdout, buf);
			printf(",\n");
		}
		printf("  \"locators\": [");
		for (i = 0, first = true; i < VHD_MAX_LOCATORS; i++) {
			if (!h->loc[i].code)
				continue;
			code32_str(h->loc[i].code, code);
			printf("%s{\"code\": ", first ? "" : ", ");
			json_str(stdout, code);
			if (!vhd_image_locator(img, i, buf, sizeof(buf))) {
				printf(", \"path\": ");
				json_str(stdout, buf);
			}
			printf("}");
			first = false;
		}
		printf("],\n");
	}
	printf("  \"warnings\": [");
	for (i = 0, first = true;
	     i < sizeof(warn_names) / sizeof(warn_names[0]); i++) {
		if (!(img->warn & warn_names[i].flag))
			continue;
		printf("%s", first ? "" : ", ");
		json_str(stdout, warn_names[i].text);
		first = false;
	}
	printf("],\n  \"chain\": [");
	for (p = img, first = true; p; p = p->parent, first = false) {
		vhdio_uuid_str(p->footer.uuid, u);
		printf("%s{\"filename\": ", first ? "" : ", ");
		json_str(stdout, p->path);
		printf(", \"type\": \"%s\", \"uuid\": \"%s\"}",
		       vhd_type_name(p->footer.disk_type), u);
	}
	printf("]");
	if (chain_err) {
		printf(",\n  \"chain-error\": ");
		snprintf(buf, sizeof(buf), "%s: %s", where ? where : img->path,
			 vhdio_strerror(chain_err));
		json_str(stdout, buf);
	}
	printf("\n}\n");
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "size-rule", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct vhd_image *img;
	const char *where;
	bool json = false;
	u32 rule = VHD_SIZE_AUTO;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!strcmp(optarg, "json")) {
				json = true;
			} else if (strcmp(optarg, "human")) {
				warnx_("unknown output '%s'", optarg);
				return 1;
			}
			break;
		case 'r':
			if (parse_size_rule(optarg, &rule)) {
				warnx_("unknown size rule '%s'", optarg);
				return 1;
			}
			break;
		case 'h':
			printf("vhd info [--output=human|json] "
			       "[--size-rule=auto|current|chs] FILE\n");
			return 0;
		default:
			return 1;
		}
	}
	if (optind + 1 != argc) {
		warnx_("info: need exactly one FILE");
		return 1;
	}
	ret = vhd_image_open(&img, argv[optind], VHDIO_KEEP_PARTIAL, rule,
			     &where);
	if (!img) {
		warnx_("%s: %s", where ? where : argv[optind],
		       vhdio_strerror(ret));
		return 1;
	}
	if (json)
		print_json(img, ret, where);
	else
		print_human(img, ret, where);
	vhd_image_close(img);
	/* Like qemu-img info with a backing file it cannot open. */
	return ret ? 1 : 0;
}
