// SPDX-License-Identifier: GPL-2.0
/*
 * vhd check: list every problem, exit like qemu-img check (0 clean,
 * 2 corruption, 3 leaked space only, 1 could not check). --repair fixes
 * the safe subset: checksums of otherwise valid structures, the footer or
 * its copy restored from the other, leaked space after the last block.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vhd.h"

#define MAX_LISTED	64

enum fix {
	FIX_NONE,
	FIX_FOOTER_CSUM,	/* rewrite trailing footer checksum */
	FIX_FOOTER_FROM_COPY,	/* append the copy as trailing footer */
	FIX_COPY,		/* rewrite copy at 0 from trailing footer */
	FIX_HDR_CSUM,		/* rewrite dynamic header checksum */
	FIX_LEAK,		/* move footer to the end of data */
	FIX_MAX
};

struct check {
	const char *path;
	int fd;
	u64 size;
	bool json;
	int corrupt;
	int leaks;
	u64 leaked;
	int warnings;
	bool fix[FIX_MAX];
	u8 tail[VHD_FOOTER_SIZE];
	u8 head[VHD_FOOTER_SIZE];
	u8 hdr[VHD_DYNHDR_SIZE];
	struct vhd_footer f;
	struct vhd_dynhdr h;
	u64 data_end;
	bool first_json;
};

static void report(struct check *c, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct check *c, const char *kind, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!strcmp(kind, "corruption"))
		c->corrupt++;
	else if (!strcmp(kind, "leak"))
		c->leaks++;
	else
		c->warnings++;
	if (c->json) {
		printf("%s    {\"kind\": \"%s\", \"message\": ",
		       c->first_json ? "" : ",\n", kind);
		json_str(stdout, msg);
		printf("}");
		c->first_json = false;
	} else {
		printf("%s: %s\n", kind, msg);
	}
}

/* Decode a footer whose only fault is its checksum. */
static int decode_fixed_csum(struct vhd_footer *f, const u8 *raw, u64 size)
{
	u8 tmp[VHD_FOOTER_SIZE];

	memcpy(tmp, raw, sizeof(tmp));
	vhd_put_be32(tmp + 64, vhd_checksum(tmp, sizeof(tmp), 64));
	return vhd_footer_decode(f, tmp, sizeof(tmp), size, VHD_SIZE_AUTO);
}

/* Returns 1 when the image cannot be checked at all. */
static int check_footers(struct check *c)
{
	struct vhd_footer tf, hf, fixed;
	int tret, hret;

	if (c->size < VHD_FOOTER_SIZE) {
		report(c, "corruption", "file of %llu bytes: %s",
		       (unsigned long long)c->size,
		       vhd_strerror(VHD_E_TRUNCATED));
		return 0;
	}
	if (vhdio_pread(c->fd, c->tail, VHD_FOOTER_SIZE,
			c->size - VHD_FOOTER_SIZE) ||
	    vhdio_pread(c->fd, c->head, VHD_FOOTER_SIZE, 0)) {
		warnx_("%s: cannot read: %s", c->path, strerror(errno));
		return 1;
	}
	tret = vhd_footer_decode(&tf, c->tail, VHD_FOOTER_SIZE, c->size,
				 VHD_SIZE_AUTO);
	hret = vhd_footer_decode(&hf, c->head, VHD_FOOTER_SIZE, c->size,
				 VHD_SIZE_AUTO);
	if (!tret) {
		c->f = tf;
	} else if (tret == -VHD_E_CHECKSUM &&
		   !decode_fixed_csum(&fixed, c->tail, c->size) &&
		   tf.footer_len == VHD_FOOTER_SIZE) {
		report(c, "corruption",
		       "footer: %s (stored 0x%08x, computed 0x%08x)",
		       vhd_strerror(tret), tf.checksum, fixed.checksum);
		c->fix[FIX_FOOTER_CSUM] = true;
		c->f = fixed;
	} else if (!hret && vhd_is_sparse(&hf)) {
		report(c, "corruption", "footer: %s; the copy at 0 is valid",
		       vhd_strerror(tret == -VHD_E_COOKIE ?
				    VHD_E_TRUNCATED : tret));
		c->fix[FIX_FOOTER_FROM_COPY] = true;
		c->f = hf;
		return 0;
	} else if (tret == -VHD_E_COOKIE) {
		warnx_("%s: %s", c->path, vhd_strerror(tret));
		return 1;
	} else {
		/* Nothing to go on: the footer decides where the rest is. */
		report(c, "corruption", "footer: %s", vhd_strerror(tret));
		return -1;
	}
	if (!vhd_is_sparse(&c->f))
		return 0;
	if (hret) {
		report(c, "corruption", "footer copy at 0: %s",
		       vhd_strerror(hret));
		c->fix[FIX_COPY] = !tret;
	} else if (memcmp(c->head, c->tail, VHD_FOOTER_SIZE) &&
		   c->f.footer_len == VHD_FOOTER_SIZE) {
		report(c, "corruption", "%s", vhd_strerror(VHD_E_FOOTER_COPY));
		c->fix[FIX_COPY] = !tret;
	}
	return 0;
}

static void check_locators(struct check *c, struct vhd_image *img)
{
	char buf[PATH_MAX], code[5];
	u32 i;
	int ret;

	for (i = 0; i < VHD_MAX_LOCATORS; i++) {
		if (!c->h.loc[i].code || !c->h.loc[i].data_length)
			continue;
		code32_str(c->h.loc[i].code, code);
		ret = vhd_image_locator(img, i, buf, sizeof(buf));
		if (ret && c->h.loc[i].code != VHD_PLAT_W2KU &&
		    c->h.loc[i].code != VHD_PLAT_W2RU &&
		    c->h.loc[i].code != VHD_PLAT_MACX)
			report(c, "warning", "locator %u (%s): unknown platform code",
			       i, code);
		else if (ret)
			report(c, "corruption", "locator %u (%s): %s", i, code,
			       vhdio_strerror(ret));
	}
	ret = vhd_parent_find(img, buf, sizeof(buf));
	if (ret) {
		report(c, "warning", "parent: %s", vhd_strerror(ret));
	} else {
		struct vhd_image *par;

		if (!vhd_image_open(&par, buf, VHDIO_NO_CHAIN, VHD_SIZE_AUTO,
				    NULL)) {
			u32 warn = 0;

			vhd_parent_check(&c->h, &par->footer, &warn);
			if (warn & VHD_W_PARENT_TIME)
				report(c, "warning", "parent %s: %s", buf,
				       "timestamp differs from the link");
			vhd_image_close(par);
		}
	}
}

static int check_sparse(struct check *c)
{
	struct vhd_bat_problem probs[MAX_LISTED];
	struct vhd_bat_stats st;
	struct vhd_image img;
	u32 nprobs = MAX_LISTED, i;
	u64 fsize = c->size, foot;
	size_t bat_len;
	int ret;

	if (vhdio_pread(c->fd, c->hdr, VHD_DYNHDR_SIZE, c->f.data_offset)) {
		report(c, "corruption", "dynamic header: cannot read at %llu",
		       (unsigned long long)c->f.data_offset);
		return 0;
	}
	/* A missing trailing footer gets appended: check as if it were. */
	if (c->fix[FIX_FOOTER_FROM_COPY])
		fsize += VHD_FOOTER_SIZE;
	ret = vhd_dynhdr_decode(&c->h, c->hdr, &c->f, fsize);
	if (ret == -VHD_E_DYN_CHECKSUM) {
		u8 tmp[VHD_DYNHDR_SIZE];
		u32 stored = c->h.checksum;

		memcpy(tmp, c->hdr, sizeof(tmp));
		vhd_put_be32(tmp + 36, vhd_checksum(tmp, sizeof(tmp), 36));
		ret = vhd_dynhdr_decode(&c->h, tmp, &c->f, fsize);
		report(c, "corruption",
		       "dynamic header: %s (stored 0x%08x, computed 0x%08x)",
		       vhd_strerror(VHD_E_DYN_CHECKSUM), stored, c->h.checksum);
		c->fix[FIX_HDR_CSUM] = !ret;
	}
	if (ret) {
		report(c, "corruption", "dynamic header: %s", vhd_strerror(ret));
		return 0;
	}

	bat_len = (size_t)c->h.max_table_entries * 4;
	memset(&img, 0, sizeof(img));
	img.fd = c->fd;
	img.path = (char *)c->path;
	img.file_size = fsize;
	img.footer = c->f;
	img.hdr = c->h;
	img.bat = malloc(bat_len ? bat_len : 1);
	if (!img.bat || vhdio_pread(c->fd, img.bat, bat_len,
				    c->h.table_offset)) {
		free(img.bat);
		warnx_("%s: cannot read the BAT", c->path);
		return 1;
	}
	ret = vhd_bat_validate_report(&c->f, &c->h, fsize, img.bat, &st, probs,
				      &nprobs);
	if (ret == -VHD_E_NOMEM) {
		free(img.bat);
		warnx_("%s: out of memory", c->path);
		return 1;
	}
	for (i = 0; i < nprobs; i++) {
		u32 sec = vhd_bat_get(img.bat, probs[i].index);

		if (probs[i].other != 0xFFFFFFFFU)
			report(c, "corruption",
			       "BAT entry %u (sector %u): %s (entry %u)",
			       probs[i].index, sec,
			       vhd_strerror(probs[i].err), probs[i].other);
		else
			report(c, "corruption", "BAT entry %u (sector %u): %s",
			       probs[i].index, sec,
			       vhd_strerror(probs[i].err));
	}
	if (st.errors > nprobs)
		report(c, "corruption", "%u more bad BAT entries",
		       st.errors - nprobs);
	c->data_end = st.data_end;

	if (c->f.disk_type == VHD_TYPE_DIFF)
		check_locators(c, &img);
	free(img.bat);

	/* Space after the last block beyond alignment padding leaks. */
	foot = c->size - c->f.footer_len;
	if (!st.errors && !c->fix[FIX_FOOTER_FROM_COPY] &&
	    foot >= st.data_end + VHD_DATA_ALIGN) {
		c->leaked = foot - st.data_end;
		report(c, "leak", "%llu bytes after the last block",
		       (unsigned long long)c->leaked);
		c->fix[FIX_LEAK] = true;
	}
	return 0;
}

static int run_check(struct check *c)
{
	int ret;

	c->corrupt = 0;
	c->leaks = 0;
	c->warnings = 0;
	c->leaked = 0;
	memset(c->fix, 0, sizeof(c->fix));
	ret = check_footers(c);
	if (ret > 0)
		return 1;
	if (!ret && vhd_is_sparse(&c->f))
		return check_sparse(c);
	return 0;
}

static int do_repairs(struct check *c)
{
	FILE *out = c->json ? stderr : stdout;
	u8 buf[VHD_DYNHDR_SIZE];
	int ret = 0;

	if (c->corrupt && c->fix[FIX_LEAK])
		c->fix[FIX_LEAK] = false;
	if (c->fix[FIX_FOOTER_CSUM]) {
		memcpy(buf, c->tail, VHD_FOOTER_SIZE);
		vhd_put_be32(buf + 64, vhd_checksum(buf, VHD_FOOTER_SIZE, 64));
		ret = vhdio_pwrite(c->fd, buf, VHD_FOOTER_SIZE,
				   c->size - VHD_FOOTER_SIZE);
		if (!ret)
			fprintf(out, "repaired: footer checksum\n");
		memcpy(c->tail, buf, VHD_FOOTER_SIZE);
		c->fix[FIX_COPY] = vhd_is_sparse(&c->f);
	}
	if (!ret && c->fix[FIX_FOOTER_FROM_COPY]) {
		ret = vhdio_pwrite(c->fd, c->head, VHD_FOOTER_SIZE, c->size);
		if (!ret)
			fprintf(out, "repaired: %s\n",
				"footer restored from the copy at 0");
	}
	if (!ret && c->fix[FIX_COPY]) {
		ret = vhdio_pwrite(c->fd, c->tail, VHD_FOOTER_SIZE, 0);
		if (!ret)
			fprintf(out, "repaired: footer copy at 0 rewritten\n");
	}
	if (!ret && c->fix[FIX_HDR_CSUM]) {
		memcpy(buf, c->hdr, VHD_DYNHDR_SIZE);
		vhd_put_be32(buf + 36, vhd_checksum(buf, VHD_DYNHDR_SIZE, 36));
		ret = vhdio_pwrite(c->fd, buf, VHD_DYNHDR_SIZE,
				   c->f.data_offset);
		if (!ret)
			fprintf(out, "repaired: dynamic header checksum\n");
	}
	if (!ret && c->fix[FIX_LEAK]) {
		ret = vhdio_pwrite(c->fd, c->tail, VHD_FOOTER_SIZE,
				   c->data_end);
		if (!ret && ftruncate(c->fd, (off_t)(c->data_end +
						     VHD_FOOTER_SIZE)))
			ret = vhdio_sys(errno);
		if (!ret)
			fprintf(out, "repaired: %llu leaked bytes released\n",
				(unsigned long long)c->leaked);
	}
	if (!ret && fsync(c->fd))
		ret = vhdio_sys(errno);
	if (ret)
		warnx_("%s: repair failed: %s", c->path, vhdio_strerror(ret));
	return ret;
}

static bool any_fix(const struct check *c)
{
	int i;

	for (i = FIX_NONE + 1; i < FIX_MAX; i++)
		if (c->fix[i])
			return true;
	return false;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "repair", no_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct check c;
	struct stat st;
	bool repair = false;
	int opt, status;

	memset(&c, 0, sizeof(c));
	while ((opt = getopt_long(argc, argv, "ro:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			repair = true;
			break;
		case 'o':
			c.json = !strcmp(optarg, "json");
			if (!c.json && strcmp(optarg, "human")) {
				warnx_("unknown output '%s'", optarg);
				return 1;
			}
			break;
		case 'h':
			printf("vhd check [--repair] [--output=human|json] FILE\n");
			return 0;
		default:
			return 1;
		}
	}
	if (optind + 1 != argc) {
		warnx_("check: need exactly one FILE");
		return 1;
	}
	c.path = argv[optind];
	c.fd = open(c.path, (repair ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (c.fd < 0 || fstat(c.fd, &st)) {
		warnx_("%s: %s", c.path, strerror(errno));
		return 1;
	}
	c.size = (u64)st.st_size;
	c.first_json = true;
	if (c.json) {
		printf("{\n  \"filename\": ");
		json_str(stdout, c.path);
		printf(",\n  \"problems\": [\n");
	}
	if (run_check(&c)) {
		if (c.json)
			printf("\n  ],\n  \"check-errors\": 1\n}\n");
		close(c.fd);
		return 1;
	}
	if (repair && any_fix(&c)) {
		if (do_repairs(&c)) {
			close(c.fd);
			return 1;
		}
		c.size = (u64)(fstat(c.fd, &st) ? 0 : st.st_size);
		if (c.json)
			printf("\n  ],\n  \"after-repair\": [\n");
		else
			printf("after repair:\n");
		c.first_json = true;
		if (run_check(&c)) {
			close(c.fd);
			return 1;
		}
	}
	close(c.fd);
	status = c.corrupt ? 2 : c.leaks ? 3 : 0;
	if (c.json) {
		printf("\n  ],\n  \"corruptions\": %d,\n  \"leaks\": %d,\n"
		       "  \"leaked-bytes\": %llu,\n  \"warnings\": %d,\n"
		       "  \"check-errors\": 0\n}\n", c.corrupt, c.leaks,
		       (unsigned long long)c.leaked, c.warnings);
	} else if (!c.corrupt && !c.leaks) {
		printf("No errors were found on the image.\n");
	} else {
		printf("%d corruption(s), %d leak(s) (%llu bytes) found on the image.\n",
		       c.corrupt, c.leaks, (unsigned long long)c.leaked);
	}
	return status;
}
