// SPDX-License-Identifier: GPL-2.0
/*
 * vhd convert: raw <-> VHD both ways. A differencing input is read through
 * its whole chain. Zero ranges stay holes (raw, fixed) or unallocated
 * blocks (dynamic).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vhd.h"
#include "writer.h"

#define CHUNK	(1U << 20)

struct source {
	struct vhd_image *img;	/* NULL: raw */
	int fd;
	u64 size;
};

static int src_read(struct source *s, u8 *buf, u64 off, size_t len)
{
	ssize_t n;
	size_t done = 0;

	if (s->img)
		return vhd_image_read(s->img, buf, off, len);
	while (done < len) {
		n = pread(s->fd, buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vhdio_sys(errno);
		if (!n)
			break;
		done += (size_t)n;
	}
	memset(buf + done, 0, len - done);
	return 0;
}

/* Raw data (raw output, or a fixed VHD's data area) with holes. */
static int copy_flat(struct source *s, int out, u64 size)
{
	u8 *buf = malloc(CHUNK);
	u64 off, n;
	int ret = 0;

	if (!buf)
		return -VHD_E_NOMEM;
	if (ftruncate(out, (off_t)size)) {
		free(buf);
		return vhdio_sys(errno);
	}
	for (off = 0; off < size && !ret; off += n) {
		n = size - off < CHUNK ? size - off : CHUNK;
		ret = src_read(s, buf, off, (size_t)((n + 511) & ~511ULL));
		if (!ret && !all_zero(buf, (size_t)n))
			ret = vhdio_pwrite(out, buf, (size_t)n, off);
	}
	free(buf);
	return ret;
}

static int copy_dynamic(struct source *s, struct vhd_writer *w)
{
	u32 bs = w->h.block_size, i;
	u8 *buf = malloc(bs);
	int ret = 0;

	if (!buf)
		return -VHD_E_NOMEM;
	for (i = 0; i < w->h.max_table_entries && !ret; i++) {
		ret = src_read(s, buf, (u64)i * bs, bs);
		if (!ret && !all_zero(buf, bs))
			ret = vhd_writer_block(w, i, buf);
	}
	free(buf);
	return ret;
}

static int open_source(struct source *s, const char *path, const char *fmt,
		       u32 rule)
{
	const char *where;
	struct stat st;
	int ret;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (!fmt || !strcmp(fmt, "vhd")) {
		ret = vhd_image_open(&s->img, path, 0, rule, &where);
		if (!ret) {
			s->size = s->img->footer.virtual_size;
			return 0;
		}
		if (fmt || ret != -VHD_E_COOKIE || (where && strcmp(where, path))) {
			warnx_("%s: %s", where ? where : path,
			       vhdio_strerror(ret));
			return -1;
		}
	} else if (strcmp(fmt, "raw")) {
		warnx_("unknown input format '%s'", fmt);
		return -1;
	}
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0 || fstat(s->fd, &st)) {
		warnx_("%s: %s", path, strerror(errno));
		return -1;
	}
	s->size = (u64)st.st_size;
	return 0;
}

int cmd_convert(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "block-size", required_argument, NULL, 'b' },
		{ "size-rule", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *ifmt = NULL, *ofmt = NULL, *in, *out;
	struct vhd_writer w;
	struct source s;
	u32 rule = VHD_SIZE_AUTO;
	u64 bs = 0, size;
	int c, fd, ret;

	while ((c = getopt_long(argc, argv, "f:O:b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			ifmt = optarg;
			break;
		case 'O':
			ofmt = optarg;
			break;
		case 'b':
			if (parse_size(optarg, &bs) || bs > VHD_MAX_BLOCK_SIZE ||
			    bs < VHD_MIN_BLOCK_SIZE || (bs & (bs - 1))) {
				warnx_("invalid block size '%s'", optarg);
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
			printf("vhd convert [-f raw|vhd] [-O raw|fixed|dynamic] [-b BLOCK]\n"
			       "            [--size-rule=RULE] INPUT OUTPUT\n");
			return 0;
		default:
			return 1;
		}
	}
	if (optind + 2 != argc) {
		warnx_("convert: need INPUT and OUTPUT");
		return 1;
	}
	in = argv[optind];
	out = argv[optind + 1];
	if (open_source(&s, in, ifmt, rule))
		return 1;
	if (!ofmt)
		ofmt = s.img ? "raw" : "dynamic";
	if (strcmp(ofmt, "raw") && strcmp(ofmt, "fixed") &&
	    strcmp(ofmt, "dynamic")) {
		warnx_("unknown output format '%s'", ofmt);
		ret = -VHD_E_INVAL;
		goto close_src;
	}
	size = s.size;
	if (strcmp(ofmt, "raw") && !s.img) {
		/* Raw input: whole MiB, as `create` makes them. */
		ret = vhd_create_size(size ? size : 1, &size);
		if (ret) {
			warnx_("%s: %s", in, vhd_strerror(ret));
			goto close_src;
		}
	}
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		warnx_("%s: %s", out, strerror(errno));
		ret = -1;
		goto close_src;
	}
	if (!strcmp(ofmt, "raw")) {
		ret = copy_flat(&s, fd, size);
	} else {
		ret = vhd_writer_start(&w, fd, out, strcmp(ofmt, "fixed") ?
				       VHD_TYPE_DYNAMIC : VHD_TYPE_FIXED,
				       size, (u32)bs, NULL);
		if (!ret && !strcmp(ofmt, "fixed"))
			ret = copy_flat(&s, fd, size);
		else if (!ret)
			ret = copy_dynamic(&s, &w);
		if (!ret)
			ret = vhd_writer_finish(&w);
		vhd_writer_free(&w);
	}
	if (!ret && fsync(fd))
		ret = vhdio_sys(errno);
	close(fd);
	if (ret) {
		warnx_("%s: %s", out, vhdio_strerror(ret));
		unlink(out);
	}
close_src:
	vhd_image_close(s.img);
	if (s.fd >= 0)
		close(s.fd);
	return ret ? 1 : 0;
}
