// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper: patch an image's metadata to build malformed and special
 * images.
 *   vhdpatch FILE footer|copy|header OFF HEXBYTES [nofix]
 *       write bytes at OFF of the trailing footer, the footer copy at 0 or
 *       the dynamic header, then fix its checksum unless "nofix"
 *   vhdpatch FILE bat INDEX VALUE        set a BAT entry (decimal/0x)
 *   vhdpatch FILE bitmap INDEX START COUNT 0|1
 *   vhdpatch FILE locator I OFFSET LENGTH SPACE
 *   vhdpatch FILE mkdiff PARENT          dynamic -> differencing child of
 *       PARENT (UUID, timestamp, parent name = PARENT as given)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vhdio.h"

static int fd;
static u64 fsize;

static void die(const char *what)
{
	fprintf(stderr, "vhdpatch: %s\n", what);
	exit(1);
}

static void rd(void *b, size_t n, u64 off)
{
	if (vhdio_pread(fd, b, n, off))
		die("read");
}

static void wr(const void *b, size_t n, u64 off)
{
	if (vhdio_pwrite(fd, b, n, off))
		die("write");
}

static u64 num(const char *s)
{
	return strtoull(s, NULL, 0);
}

static void hexbytes(u8 *dst, const char *hex)
{
	unsigned int v;

	while (hex[0] && hex[1]) {
		if (sscanf(hex, "%2x", &v) != 1)
			die("bad hex");
		*dst++ = (u8)v;
		hex += 2;
	}
}

static u64 hdr_off(void)
{
	u8 f[512];

	rd(f, 512, 0);
	return vhd_get_be64(f + 16);
}

int main(int argc, char **argv)
{
	u8 buf[1024];
	struct stat st;
	const char *what;

	if (argc < 3)
		die("usage: see the source");
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || fstat(fd, &st))
		die(strerror(errno));
	fsize = (u64)st.st_size;
	what = argv[2];
	if (!strcmp(what, "footer") || !strcmp(what, "copy") ||
	    !strcmp(what, "header")) {
		bool hdr = !strcmp(what, "header");
		size_t len = hdr ? 1024 : 512, csum = hdr ? 36 : 64;
		u64 off = hdr ? hdr_off() :
			  !strcmp(what, "copy") ? 0 : fsize - 512;

		if (argc < 5)
			die("need OFF HEX");
		rd(buf, len, off);
		if (num(argv[3]) + strlen(argv[4]) / 2 > len)
			die("patch out of range");
		hexbytes(buf + num(argv[3]), argv[4]);
		if (argc < 6 || strcmp(argv[5], "nofix"))
			vhd_put_be32(buf + csum, vhd_checksum(buf, len, csum));
		wr(buf, len, off);
	} else if (!strcmp(what, "bat") && argc == 5) {
		u8 h[1024], e[4];

		rd(h, 1024, hdr_off());
		vhd_put_be32(e, (u32)num(argv[4]));
		wr(e, 4, vhd_get_be64(h + 16) + 4 * num(argv[3]));
	} else if (!strcmp(what, "bitmap") && argc == 7) {
		u8 h[1024], e[4], *bm;
		u32 bs, bms;
		u64 boff;

		rd(h, 1024, hdr_off());
		bs = vhd_get_be32(h + 32);
		bms = ((bs / 512 / 8) + 511) & ~511U;
		rd(e, 4, vhd_get_be64(h + 16) + 4 * num(argv[3]));
		if (vhd_get_be32(e) == VHD_BAT_UNUSED)
			die("block not allocated");
		boff = (u64)vhd_get_be32(e) * 512;
		bm = malloc(bms);
		rd(bm, bms, boff);
		if (num(argv[6]))
			vhd_bitmap_set_range(bm, (u32)num(argv[4]),
					     (u32)num(argv[5]));
		else
			vhd_bitmap_clear_range(bm, (u32)num(argv[4]),
					       (u32)num(argv[5]));
		wr(bm, bms, boff);
		free(bm);
	} else if (!strcmp(what, "locator") && argc == 7) {
		u64 off = hdr_off();
		u8 *l;

		rd(buf, 1024, off);
		l = buf + 576 + 24 * num(argv[3]);
		vhd_put_be64(l + 16, num(argv[4]));
		vhd_put_be32(l + 8, (u32)num(argv[5]));
		vhd_put_be32(l + 4, (u32)num(argv[6]));
		vhd_put_be32(buf + 36, vhd_checksum(buf, 1024, 36));
		wr(buf, 1024, off);
	} else if (!strcmp(what, "mkdiff") && argc == 4) {
		struct vhd_image *par;
		struct vhd_dynhdr h;
		struct vhd_footer f;
		u8 foot[512];
		u64 hoff = hdr_off();

		if (vhd_image_open(&par, argv[3], VHDIO_NO_CHAIN, 0, NULL))
			die("cannot open parent");
		rd(foot, 512, fsize - 512);
		if (vhd_footer_decode(&f, foot, 512, fsize, 0))
			die("bad footer");
		rd(buf, 1024, hoff);
		if (vhd_dynhdr_decode(&h, buf, &f, fsize))
			die("bad header");
		f.disk_type = VHD_TYPE_DIFF;
		memcpy(h.parent_uuid, par->footer.uuid, 16);
		h.parent_timestamp = par->footer.timestamp;
		if (vhd_parent_name_set(&h, argv[3]))
			die("parent name");
		vhd_footer_encode(&f, foot);
		wr(foot, 512, 0);
		wr(foot, 512, fsize - 512);
		vhd_dynhdr_encode(&h, buf);
		wr(buf, 1024, hoff);
		vhd_image_close(par);
	} else {
		die("unknown command");
	}
	close(fd);
	return 0;
}
