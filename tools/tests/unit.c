// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the format library: every encoder/decoder, the CHS table,
 * checksums, locators, the BAT check, bitmaps, allocation and layout.
 * Prints one "PASS: unit/NAME" or "FAIL: unit/NAME: why" line per test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vhd_format.h"

#define CHECK_SUITE		"unit"
#define CHECK_EQ_TYPE		unsigned long long
#define CHECK_EQ_FMT		"%llu"
#include "check.h"

static const u8 uuid1[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
			      14, 15, 16 };
static const u8 uuid2[16] = { 0xAA, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
			      14, 15, 16 };

/* ---------------------------------------------------------------------- */

static void t_checksum(void)
{
	u8 buf[512];

	memset(buf, 0, sizeof(buf));
	CHECK_EQ(vhd_checksum(buf, sizeof(buf), 64), 0xFFFFFFFFU);
	buf[0] = 1;
	buf[511] = 2;
	CHECK_EQ(vhd_checksum(buf, sizeof(buf), 64), ~3U);
	/* The checksum field itself does not count. */
	buf[64] = buf[65] = buf[66] = buf[67] = 0xFF;
	CHECK_EQ(vhd_checksum(buf, sizeof(buf), 64), ~3U);
	memset(buf, 0xFF, sizeof(buf));
	CHECK_EQ(vhd_checksum(buf, sizeof(buf), 64), ~(508U * 255));
}

struct chs_case {
	u64 size;
	u16 c;
	u8 h, s;
};

static void t_chs_table(void)
{
	static const struct chs_case cases[] = {
		{ 1ULL << 20, 30, 4, 17 },
		{ 4212736, 121, 4, 17 },		/* dfvfs-ext2 */
		{ 100ULL << 20, 1003, 12, 17 },
		{ 200ULL << 20, 825, 16, 31 },		/* Windows 7 */
		{ 1ULL << 30, 2080, 16, 63 },
		{ 10ULL << 30, 20805, 16, 63 },
		{ 127ULL << 30, 65278, 16, 255 },	/* 255 sectors/track */
		{ 65535ULL * 16 * 63 * 512 - 512, 65534, 16, 63 },
		{ 65535ULL * 16 * 63 * 512, 16191, 16, 255 },
		{ 2040ULL << 30, 65535, 16, 255 },
		{ 0, 0, 4, 17 },
	};
	struct vhd_chs chs;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vhd_chs_from_size(cases[i].size, &chs);
		if (chs.cylinders != cases[i].c || chs.heads != cases[i].h ||
		    chs.sectors != cases[i].s) {
			printf("  size %llu: got %u/%u/%u want %u/%u/%u\n",
			       (unsigned long long)cases[i].size,
			       chs.cylinders, chs.heads, chs.sectors,
			       cases[i].c, cases[i].h, cases[i].s);
			failed_checks++;
		}
		CHECK(vhd_chs_size(&chs) <= cases[i].size);
	}
	chs.cylinders = 825;
	chs.heads = 16;
	chs.sectors = 31;
	CHECK_EQ(vhd_chs_size(&chs), 209510400ULL);
}

static void mk_footer(struct vhd_footer *f, u32 type, u64 size)
{
	CHECK_EQ(vhd_footer_init(f, type, size, 12345, uuid1), 0);
}

static void t_footer_roundtrip(void)
{
	struct vhd_footer f, g;
	u8 buf[512];

	mk_footer(&f, VHD_TYPE_DYNAMIC, 100ULL << 20);
	f.hidden = 0;
	vhd_footer_encode(&f, buf);
	CHECK(!memcmp(buf, "conectix", 8));
	CHECK_EQ(vhd_get_be32(buf + 8), 2);
	CHECK_EQ(vhd_get_be32(buf + 12), 0x00010000);
	CHECK_EQ(vhd_get_be64(buf + 16), 512);
	CHECK_EQ(vhd_get_be32(buf + 24), 12345);
	CHECK(!memcmp(buf + 28, "lvhd", 4));
	CHECK(!memcmp(buf + 36, "Wi2k", 4));
	CHECK_EQ(vhd_get_be64(buf + 40), 100ULL << 20);
	CHECK_EQ(vhd_get_be64(buf + 48), 100ULL << 20);
	CHECK_EQ(vhd_get_be16(buf + 56), 1003);
	CHECK_EQ(buf[58], 12);
	CHECK_EQ(buf[59], 17);
	CHECK_EQ(vhd_get_be32(buf + 60), 3);
	CHECK_EQ(vhd_get_be32(buf + 64), vhd_checksum(buf, 512, 64));
	CHECK(!memcmp(buf + 68, uuid1, 16));
	CHECK_EQ(vhd_footer_decode(&g, buf, 512, 1 << 20, VHD_SIZE_AUTO), 0);
	CHECK_EQ(g.features, f.features);
	CHECK_EQ(g.data_offset, 512);
	CHECK_EQ(g.timestamp, 12345);
	CHECK_EQ(g.cur_size, 100ULL << 20);
	CHECK_EQ(g.orig_size, 100ULL << 20);
	CHECK_EQ(g.virtual_size, 100ULL << 20);
	CHECK_EQ(g.disk_type, VHD_TYPE_DYNAMIC);
	CHECK_EQ(g.footer_len, 512);
	CHECK_EQ(g.warn, 0);
	CHECK(!memcmp(g.uuid, uuid1, 16));
	CHECK(!memcmp(g.creator_app, "lvhd", 4));
	/* Encode of the decoded footer is byte-identical. */
	{
		u8 again[512];

		vhd_footer_encode(&g, again);
		CHECK(!memcmp(buf, again, 512));
	}
}

static void refix(u8 *buf)
{
	vhd_put_be32(buf + 64, vhd_checksum(buf, 512, 64));
}

static void t_footer_errors(void)
{
	struct vhd_footer f, g;
	u8 buf[512], b2[512];

	mk_footer(&f, VHD_TYPE_FIXED, 1 << 20);
	vhd_footer_encode(&f, buf);
	CHECK_EQ(vhd_footer_decode(&g, buf, 512, (1 << 20) + 512,
				   VHD_SIZE_AUTO), 0);
	CHECK_EQ(vhd_footer_decode(&g, buf, 512, (1 << 20) + 511,
				   VHD_SIZE_AUTO), -VHD_E_FIXED_SHORT);
	CHECK_EQ(vhd_footer_decode(&g, buf, 512, 100, VHD_SIZE_AUTO),
		 -VHD_E_TRUNCATED);
	CHECK_EQ(vhd_footer_decode(&g, buf, 100, 1 << 30, VHD_SIZE_AUTO),
		 -VHD_E_INVAL);
	CHECK_EQ(vhd_footer_decode(&g, buf, 512, 1 << 30, 7), -VHD_E_INVAL);

	memcpy(b2, buf, 512);
	b2[0] = 'C';
	CHECK_EQ(vhd_footer_decode(&g, b2, 512, 1 << 30, 0), -VHD_E_COOKIE);
	memcpy(b2, buf, 512);
	b2[100] ^= 1;
	CHECK_EQ(vhd_footer_decode(&g, b2, 512, 1 << 30, 0), -VHD_E_CHECKSUM);
	/* Fields stay decoded on error (repair relies on it). */
	CHECK_EQ(g.cur_size, 1 << 20);

	memcpy(b2, buf, 512);
	vhd_put_be32(b2 + 12, 0x00020000);
	refix(b2);
	CHECK_EQ(vhd_footer_decode(&g, b2, 512, 1 << 30, 0), -VHD_E_VERSION);
	memcpy(b2, buf, 512);
	vhd_put_be32(b2 + 60, 5);
	refix(b2);
	CHECK_EQ(vhd_footer_decode(&g, b2, 512, 1 << 30, 0),
		 -VHD_E_DISK_TYPE);
	memcpy(b2, buf, 512);
	vhd_put_be64(b2 + 48, (1 << 20) + 1);
	refix(b2);
	CHECK_EQ(vhd_footer_decode(&g, b2, 512, 1 << 30, 0),
		 -VHD_E_SIZE_ALIGN);
	memcpy(b2, buf, 512);
	vhd_put_be64(b2 + 48, VHD_MAX_SIZE + 512);
	refix(b2);
	CHECK_EQ(vhd_footer_decode(&g, b2, 512, 1ULL << 50, 0),
		 -VHD_E_TOO_BIG);

	mk_footer(&f, VHD_TYPE_DYNAMIC, 1 << 20);
	vhd_footer_encode(&f, buf);
	CHECK_EQ(vhd_footer_decode(&g, buf, 512, 3072, 0), 0);
	CHECK_EQ(vhd_footer_decode(&g, buf, 512, 2047, 0), -VHD_E_TRUNCATED);
	memcpy(b2, buf, 512);
	vhd_put_be64(b2 + 16, VHD_NO_OFFSET);
	refix(b2);
	CHECK_EQ(vhd_footer_decode(&g, b2, 512, 1 << 30, 0),
		 -VHD_E_DATA_OFFSET);
	vhd_put_be64(b2 + 16, 100);
	refix(b2);
	CHECK_EQ(vhd_footer_decode(&g, b2, 512, 1 << 30, 0),
		 -VHD_E_DATA_OFFSET);
}

static void t_footer_quirks(void)
{
	struct vhd_footer f, g;
	u8 buf[512], tail[512];

	mk_footer(&f, VHD_TYPE_FIXED, 1 << 20);
	f.hidden = 1;			/* blktap */
	f.saved_state = 1;
	vhd_footer_encode(&f, buf);
	CHECK_EQ(vhd_footer_decode(&g, buf, 512, 2 << 20, 0), 0);
	CHECK(g.warn & VHD_W_HIDDEN);
	CHECK(g.warn & VHD_W_SAVED_STATE);
	CHECK_EQ(g.hidden, 1);
	buf[300] = 7;
	refix(buf);
	CHECK_EQ(vhd_footer_decode(&g, buf, 512, 2 << 20, 0), 0);
	CHECK(g.warn & VHD_W_RESERVED);

	/* Old 511-byte footer: the last 512 bytes start with a data byte. */
	f.hidden = 0;
	f.saved_state = 0;
	vhd_footer_encode(&f, buf);
	CHECK_EQ(buf[511], 0);
	tail[0] = 0x5A;
	memcpy(tail + 1, buf, 511);
	CHECK_EQ(vhd_footer_decode(&g, tail, 512, (1 << 20) + 511, 0), 0);
	CHECK_EQ(g.footer_len, 511);
	CHECK(g.warn & VHD_W_OLD_FOOTER);
	CHECK_EQ(vhd_footer_decode(&g, buf, 511, (1 << 20) + 511, 0), 0);
	CHECK_EQ(g.footer_len, 511);
	CHECK_EQ(vhd_footer_decode(&g, tail, 512, (1 << 20) + 510, 0),
		 -VHD_E_FIXED_SHORT);
	/* Feature bits. */
	vhd_put_be32(buf + 8, 1);
	refix(buf);
	CHECK_EQ(vhd_footer_decode(&g, buf, 512, 2 << 20, 0), 0);
	CHECK(g.warn & VHD_W_FEATURES);
	CHECK(g.warn & VHD_W_TEMPORARY);
}

static void t_footer_lost(void)
{
	struct vhd_footer f;
	u8 copy[512];

	mk_footer(&f, VHD_TYPE_DYNAMIC, 1 << 20);
	vhd_footer_encode(&f, copy);
	CHECK_EQ(vhd_footer_lost(-VHD_E_COOKIE, copy, 1 << 20),
		 -VHD_E_TRUNCATED);
	/* Other failures, or no valid sparse copy, stay as they were. */
	CHECK_EQ(vhd_footer_lost(-VHD_E_CHECKSUM, copy, 1 << 20),
		 -VHD_E_CHECKSUM);
	copy[3] = 'X';
	CHECK_EQ(vhd_footer_lost(-VHD_E_COOKIE, copy, 1 << 20),
		 -VHD_E_COOKIE);
	mk_footer(&f, VHD_TYPE_FIXED, 1 << 20);
	vhd_footer_encode(&f, copy);
	CHECK_EQ(vhd_footer_lost(-VHD_E_COOKIE, copy, 2 << 20),
		 -VHD_E_COOKIE);
	CHECK_EQ(vhd_footer_lost(-VHD_E_COOKIE, NULL, 2 << 20),
		 -VHD_E_COOKIE);
}

static void t_size_rule(void)
{
	struct vhd_footer f, g;
	u8 buf[512];
	u64 chs;

	mk_footer(&f, VHD_TYPE_FIXED, 100ULL << 20);
	chs = vhd_chs_size(&f.chs);
	CHECK_EQ(chs, 104761344ULL);
	CHECK_EQ(vhd_footer_size(&f, VHD_SIZE_AUTO), 100ULL << 20);
	CHECK_EQ(vhd_footer_size(&f, VHD_SIZE_CHS), chs);
	memcpy(f.creator_app, "qemu", 4);
	CHECK_EQ(vhd_footer_size(&f, VHD_SIZE_AUTO), chs);
	CHECK_EQ(vhd_footer_size(&f, VHD_SIZE_CURRENT), 100ULL << 20);
	memcpy(f.creator_app, "vpc ", 4);
	CHECK_EQ(vhd_footer_size(&f, VHD_SIZE_AUTO), chs);
	memcpy(f.creator_app, "vs  ", 4);
	CHECK_EQ(vhd_footer_size(&f, VHD_SIZE_AUTO), chs);
	memcpy(f.creator_app, "qem2", 4);
	CHECK_EQ(vhd_footer_size(&f, VHD_SIZE_AUTO), 100ULL << 20);
	memcpy(f.creator_app, "win ", 4);
	CHECK_EQ(vhd_footer_size(&f, VHD_SIZE_AUTO), 100ULL << 20);
	/* Maximal CHS: current_size even for "qemu". */
	memcpy(f.creator_app, "qemu", 4);
	f.cur_size = 1000ULL << 30;
	vhd_chs_from_size(f.cur_size, &f.chs);
	CHECK_EQ(vhd_footer_size(&f, VHD_SIZE_AUTO), 1000ULL << 30);

	/* Through decode: virtual_size and the warning flag. */
	mk_footer(&f, VHD_TYPE_FIXED, 100ULL << 20);
	memcpy(f.creator_app, "qemu", 4);
	vhd_footer_encode(&f, buf);
	CHECK_EQ(vhd_footer_decode(&g, buf, 512, 1ULL << 30, 0), 0);
	CHECK_EQ(g.virtual_size, chs);
	CHECK(g.warn & VHD_W_CHS_SIZE);
	CHECK_EQ(vhd_footer_decode(&g, buf, 512, 1ULL << 30,
				   VHD_SIZE_CURRENT), 0);
	CHECK_EQ(g.virtual_size, 100ULL << 20);
	/* CHS of zero with the CHS rule. */
	f.chs.heads = 0;
	vhd_footer_encode(&f, buf);
	CHECK_EQ(vhd_footer_decode(&g, buf, 512, 1ULL << 30, 0),
		 -VHD_E_GEOMETRY);
}

static void t_time(void)
{
	CHECK_EQ(vhd_time_from_unix(946684800ULL), 0);
	CHECK_EQ(vhd_time_from_unix(946684800ULL + 86400), 86400);
	CHECK_EQ(vhd_time_from_unix(5), 0);
	CHECK_EQ(vhd_time_from_unix(1ULL << 40), 0xFFFFFFFFU);
	CHECK_EQ(vhd_time_to_unix(86400), 946684800ULL + 86400);
}

/* ---------------------------------------------------------------------- */
/* A complete small dynamic/differencing image in memory. */

#define IMG_MAX	(128 << 10)

struct mem_img {
	u8 data[IMG_MAX];
	u64 size;
	struct vhd_footer f;
	struct vhd_dynhdr h;
	struct vhd_create_layout l;
};

static void mem_build(struct mem_img *m, u32 type, u64 vsize, u32 bs)
{
	u32 len, i;

	memset(m, 0, sizeof(*m));
	CHECK_EQ(vhd_footer_init(&m->f, type, vsize, 1000, uuid1), 0);
	CHECK_EQ(vhd_dynhdr_init(&m->h, vsize, bs, 0), 0);
	i = 0;
	if (type == VHD_TYPE_DIFF) {
		memcpy(m->h.parent_uuid, uuid2, 16);
		m->h.parent_timestamp = 77;
		CHECK_EQ(vhd_parent_name_set(&m->h, "parent.vhd"), 0);
		CHECK_EQ(vhd_locator_encode(VHD_PLAT_W2RU, ".\\parent.vhd",
					    m->data + 40000, 2000, &len), 0);
		m->h.loc[0].code = VHD_PLAT_W2RU;
		m->h.loc[0].data_length = len;
		i = 1;
	}
	CHECK_EQ(vhd_create_layout(&m->h, i, &m->l), 0);
	if (i)
		memmove(m->data + m->h.loc[0].data_offset, m->data + 40000,
			m->h.loc[0].data_length);
	memset(m->data + m->l.bat_off, 0xFF, m->l.bat_bytes);
	vhd_footer_encode(&m->f, m->data);
	vhd_dynhdr_encode(&m->h, m->data + m->l.header_off);
	m->size = m->l.file_size;
	vhd_footer_encode(&m->f, m->data + m->l.data_end);
}

static int mem_open(struct mem_img *m, struct vhd_footer *f,
		    struct vhd_dynhdr *h, struct vhd_bat_stats *st)
{
	int ret;

	ret = vhd_footer_decode(f, m->data + m->size - 512, 512, m->size, 0);
	if (ret)
		return ret;
	ret = vhd_dynhdr_decode(h, m->data + f->data_offset, f, m->size);
	if (ret)
		return ret;
	return vhd_bat_validate(f, h, m->size, m->data + h->table_offset, st);
}

static struct mem_img mi;

static void t_dynhdr_roundtrip(void)
{
	struct vhd_dynhdr h;
	struct vhd_footer f;
	struct vhd_bat_stats st;
	u8 again[1024];
	u8 *p;

	mem_build(&mi, VHD_TYPE_DYNAMIC, 10 << 20, 1 << 20);
	p = mi.data + 512;
	CHECK(!memcmp(p, "cxsparse", 8));
	CHECK_EQ(vhd_get_be64(p + 8), VHD_NO_OFFSET);
	CHECK_EQ(vhd_get_be64(p + 16), 1536);
	CHECK_EQ(vhd_get_be32(p + 24), 0x00010000);
	CHECK_EQ(vhd_get_be32(p + 28), 10);
	CHECK_EQ(vhd_get_be32(p + 32), 1 << 20);
	CHECK_EQ(vhd_get_be32(p + 36), vhd_checksum(p, 1024, 36));
	CHECK_EQ(mem_open(&mi, &f, &h, &st), 0);
	CHECK_EQ(h.max_table_entries, 10);
	CHECK_EQ(h.block_size, 1 << 20);
	CHECK_EQ(h.block_sectors, 2048);
	CHECK_EQ(h.block_shift, 20);
	CHECK_EQ(h.bitmap_size, 512);
	CHECK_EQ(h.bat_bytes, 512);
	CHECK_EQ(st.allocated, 0);
	CHECK_EQ(st.data_end, 2048);
	CHECK_EQ(st.footer_off, 2048);
	vhd_dynhdr_encode(&h, again);
	CHECK(!memcmp(again, p, 1024));

	/* Exact BAT: 2 MiB blocks, 3 MiB disk -> 2 entries. */
	CHECK_EQ(vhd_dynhdr_init(&h, 3 << 20, 2 << 20, 0), 0);
	CHECK_EQ(h.max_table_entries, 2);
	CHECK_EQ(vhd_dynhdr_init(&h, 3 << 20, 3 << 20, 0), -VHD_E_BLOCK_SIZE);
	/* Bitmap size for big and small blocks. */
	CHECK_EQ(vhd_dynhdr_init(&h, 1 << 30, 16 << 20, 0), 0);
	CHECK_EQ(h.bitmap_size, 4096);
	CHECK_EQ(vhd_dynhdr_init(&h, 1 << 30, 4096, 0), 0);
	CHECK_EQ(h.bitmap_size, 512);
}

static void hdr_refix(u8 *p)
{
	vhd_put_be32(p + 36, vhd_checksum(p, 1024, 36));
}

/* Patch header field at @off (be32) and expect @err from decode. */
static void hdr_case32(u32 off, u32 val, int err)
{
	struct vhd_dynhdr h;
	struct vhd_footer f;
	struct vhd_bat_stats st;
	u8 *p;

	mem_build(&mi, VHD_TYPE_DIFF, 10 << 20, 1 << 20);
	p = mi.data + 512;
	vhd_put_be32(p + off, val);
	hdr_refix(p);
	CHECK_EQ(mem_open(&mi, &f, &h, &st), err);
}

static void t_dynhdr_errors(void)
{
	struct vhd_dynhdr h;
	struct vhd_footer f;
	struct vhd_bat_stats st;
	u8 *p;

	mem_build(&mi, VHD_TYPE_DIFF, 10 << 20, 1 << 20);
	CHECK_EQ(mem_open(&mi, &f, &h, &st), 0);
	p = mi.data + 512;
	p[0] = 'X';
	CHECK_EQ(mem_open(&mi, &f, &h, &st), -VHD_E_DYN_COOKIE);
	p[0] = 'c';
	p[700] ^= 1;
	CHECK_EQ(mem_open(&mi, &f, &h, &st), -VHD_E_DYN_CHECKSUM);

	hdr_case32(12, 0, -VHD_E_DYN_OFFSET);
	hdr_case32(24, 0x00020000, -VHD_E_DYN_VERSION);
	hdr_case32(32, 3 << 20, -VHD_E_BLOCK_SIZE);	/* not 2^n */
	hdr_case32(32, 256, -VHD_E_BLOCK_SIZE);
	hdr_case32(32, 512U << 20, -VHD_E_BLOCK_SIZE);
	hdr_case32(28, 0xFFFFFFF0U, -VHD_E_BAT_ENTRIES);
	hdr_case32(28, 9, -VHD_E_BAT_SHORT);
	hdr_case32(28, 100000, -VHD_E_BAT_OFFSET);	/* past EOF */
	hdr_case32(20, 100, -VHD_E_BAT_OFFSET);	/* in the footer copy */
	hdr_case32(20, 600, -VHD_E_BAT_OFFSET);	/* over the header */
	/* Locator 0 (576): offset past EOF, length absurd. */
	hdr_case32(576 + 20, 1 << 20, -VHD_E_LOCATOR);
	hdr_case32(576 + 8, 1 << 24, -VHD_E_LOCATOR);
	hdr_case32(576 + 20, 1536, -VHD_E_LOCATOR);	/* over the BAT */
	/* Space given in sectors: accepted with a warning. */
	mem_build(&mi, VHD_TYPE_DIFF, 10 << 20, 1 << 20);
	p = mi.data + 512;
	vhd_put_be32(p + 576 + 4, 1);
	hdr_refix(p);
	CHECK_EQ(mem_open(&mi, &f, &h, &st), 0);
	CHECK(h.warn & VHD_W_LOC_SECTORS);
	CHECK_EQ(h.loc[0].space_bytes, 512);
	/* Unknown platform code: warning only. */
	vhd_put_be32(p + 576, 0x12345678);
	hdr_refix(p);
	CHECK_EQ(mem_open(&mi, &f, &h, &st), 0);
	CHECK(h.warn & VHD_W_LOC_UNKNOWN);
	/* Parent name with a lone surrogate. */
	mem_build(&mi, VHD_TYPE_DIFF, 10 << 20, 1 << 20);
	p = mi.data + 512;
	vhd_put_be16(p + 64, 0xD800);
	vhd_put_be16(p + 66, 0x0041);
	hdr_refix(p);
	CHECK_EQ(mem_open(&mi, &f, &h, &st), -VHD_E_UTF16);
	/* Decoding a fixed disk's "header" is a caller error. */
	CHECK_EQ(vhd_footer_init(&f, VHD_TYPE_FIXED, 1 << 20, 0, uuid1), 0);
	CHECK_EQ(vhd_dynhdr_decode(&h, p, &f, 1 << 30), -VHD_E_INVAL);
}

static void alloc_block(struct mem_img *m, u32 idx, u64 *end)
{
	struct vhd_alloc_plan p;

	CHECK_EQ(vhd_alloc_plan(&m->h, *end, &p), 0);
	vhd_bat_set(m->data + m->l.bat_off, idx, p.bat_sector);
	*end = p.new_end;
}

static void t_bat(void)
{
	struct vhd_bat_problem probs[8];
	struct vhd_dynhdr h;
	struct vhd_footer f;
	struct vhd_bat_stats st;
	u8 *bat;
	u64 end;
	u32 n;

	/* 4 KiB blocks keep the image small. */
	mem_build(&mi, VHD_TYPE_DYNAMIC, 64 << 10, 4096);
	bat = mi.data + mi.l.bat_off;
	end = 16384;		/* a gap of foreign metadata is legal */
	alloc_block(&mi, 3, &end);
	alloc_block(&mi, 0, &end);
	alloc_block(&mi, 7, &end);
	mi.size = end + 512;
	CHECK(mi.size <= IMG_MAX);
	vhd_footer_encode(&mi.f, mi.data + end);
	CHECK_EQ(mem_open(&mi, &f, &h, &st), 0);
	CHECK_EQ(st.allocated, 3);
	CHECK_EQ(st.data_end, end);
	CHECK_EQ(st.errors, 0);
	/* Data 4 KiB-aligned, bitmap right before it. */
	CHECK_EQ((vhd_block_data_off(&h, vhd_bat_get(bat, 3)) & 4095), 0);
	CHECK_EQ(vhd_block_data_off(&h, vhd_bat_get(bat, 3)) -
		 vhd_block_bitmap_off(vhd_bat_get(bat, 3)), 512);

	/* Past EOF. */
	vhd_bat_set(bat, 5, (u32)(end >> 9));
	CHECK_EQ(mem_open(&mi, &f, &h, &st), -VHD_E_BLOCK_EOF);
	CHECK_EQ(st.bad_index, 5);
	vhd_bat_set(bat, 5, 0xFFFFFFFEU);	/* unsigned, not -2 */
	CHECK_EQ(mem_open(&mi, &f, &h, &st), -VHD_E_BLOCK_EOF);
	vhd_bat_set(bat, 5, VHD_BAT_UNUSED);
	/* Overlapping blocks. */
	vhd_bat_set(bat, 6, vhd_bat_get(bat, 0) + 1);
	CHECK_EQ(mem_open(&mi, &f, &h, &st), -VHD_E_BLOCK_OVERLAP);
	CHECK(st.bad_index == 6 || st.other_index == 6);
	/* Same block twice. */
	vhd_bat_set(bat, 6, vhd_bat_get(bat, 7));
	CHECK_EQ(mem_open(&mi, &f, &h, &st), -VHD_E_BLOCK_OVERLAP);
	/* Over metadata: the BAT, the header, the footer copy. */
	vhd_bat_set(bat, 6, 3);
	CHECK_EQ(mem_open(&mi, &f, &h, &st), -VHD_E_BLOCK_META);
	vhd_bat_set(bat, 6, 0);
	CHECK_EQ(mem_open(&mi, &f, &h, &st), -VHD_E_BLOCK_META);
	/* Report: several problems listed. */
	vhd_bat_set(bat, 5, 0xFFFFFF00U);
	n = 8;
	CHECK_EQ(vhd_bat_validate_report(&f, &h, mi.size, bat, &st, probs, &n),
		 -VHD_E_BLOCK_EOF);
	/* Entry 6 covers the footer copy, the header and the BAT. */
	CHECK_EQ(n, 4);
	CHECK_EQ(st.errors, 4);
	CHECK_EQ(probs[0].err, -VHD_E_BLOCK_EOF);
	CHECK_EQ(probs[0].index, 5);
	CHECK_EQ(probs[1].err, -VHD_E_BLOCK_META);
	CHECK_EQ(probs[1].index, 6);
	n = 1;
	CHECK_EQ(vhd_bat_validate_report(&f, &h, mi.size, bat, &st, probs, &n),
		 -VHD_E_BLOCK_EOF);
	CHECK_EQ(n, 1);
	CHECK_EQ(st.errors, 4);
}

static void t_bat_overlap_scale(void)
{
	/* Many blocks, one overlap at the end: sorted scan finds it. */
	static u8 bat[4 * 20000];
	struct vhd_footer f;
	struct vhd_dynhdr h;
	struct vhd_bat_stats st;
	u64 fsize;
	u32 i;

	CHECK_EQ(vhd_footer_init(&f, VHD_TYPE_DYNAMIC, 20000ULL << 21, 0,
				 uuid1), 0);
	CHECK_EQ(vhd_dynhdr_init(&h, 20000ULL << 21, 2 << 20, 1536), 0);
	for (i = 0; i < 20000; i++)	/* reverse order on disk */
		vhd_bat_set(bat, i, (u32)(200 + (19999 - i) * 4097ULL));
	fsize = (200 + 20000 * 4097ULL) * 512 + 512;
	CHECK_EQ(vhd_bat_validate(&f, &h, fsize, bat, &st), 0);
	CHECK_EQ(st.allocated, 20000);
	CHECK_EQ(st.data_end, fsize - 512);
	vhd_bat_set(bat, 123, 200 + 19999 * 4097 - 1);
	CHECK_EQ(vhd_bat_validate(&f, &h, fsize, bat, &st),
		 -VHD_E_BLOCK_OVERLAP);
}

/* The largest BAT (2040 GiB, 2 MiB blocks) fully allocated, shuffled. */
static void t_bat_full_2040g(void)
{
	struct vhd_footer f;
	struct vhd_dynhdr h;
	struct vhd_bat_stats st;
	struct timespec t0, t1;
	u32 n, i, j, tmp, *perm;
	u8 *bat;
	u64 fsize, rnd = 88172645463325252ULL;
	long ms;

	CHECK_EQ(vhd_footer_init(&f, VHD_TYPE_DYNAMIC, VHD_MAX_SIZE, 0, uuid1),
		 0);
	CHECK_EQ(vhd_dynhdr_init(&h, VHD_MAX_SIZE, 2 << 20, 1536), 0);
	n = h.max_table_entries;
	bat = malloc((size_t)n * 4);
	perm = malloc((size_t)n * 4);
	if (!bat || !perm) {
		failed_checks++;
		free(bat);
		free(perm);
		return;
	}
	for (i = 0; i < n; i++)
		perm[i] = i;
	for (i = n - 1; i > 0; i--) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		j = (u32)(rnd % (i + 1));
		tmp = perm[i];
		perm[i] = perm[j];
		perm[j] = tmp;
	}
	/* First block data at 4 MiB + 4096, as ours would put it. */
	for (i = 0; i < n; i++)
		vhd_bat_set(bat, i, 8199 + perm[i] * 4097U);
	fsize = (8199 + (u64)n * 4097) * 512 + 512;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ(vhd_bat_validate(&f, &h, fsize, bat, &st), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	printf("  BAT check of %u allocated entries: %ld ms\n", n, ms);
	CHECK_EQ(st.allocated, n);
	CHECK(ms < 30000);	/* O(n^2) would take hours */
	vhd_bat_set(bat, perm[n / 2] ^ 1, 8199 + perm[n / 2] * 4097U + 4096);
	CHECK_EQ(vhd_bat_validate(&f, &h, fsize, bat, &st),
		 -VHD_E_BLOCK_OVERLAP);
	free(bat);
	free(perm);
}

static void t_bitmap(void)
{
	u8 bm[512];
	bool set;

	memset(bm, 0, sizeof(bm));
	vhd_bitmap_set_range(bm, 0, 1);
	CHECK_EQ(bm[0], 0x80);		/* MSB first */
	vhd_bitmap_set_range(bm, 7, 10);
	CHECK_EQ(bm[0], 0x81);
	CHECK_EQ(bm[1], 0xFF);
	CHECK_EQ(bm[2], 0x80);
	CHECK(vhd_bitmap_test(bm, 16));
	CHECK(!vhd_bitmap_test(bm, 17));
	CHECK_EQ(vhd_bitmap_run(bm, 0, 4096, &set), 1);
	CHECK(set);
	CHECK_EQ(vhd_bitmap_run(bm, 1, 4096, &set), 6);
	CHECK(!set);
	CHECK_EQ(vhd_bitmap_run(bm, 7, 4096, &set), 10);
	CHECK(set);
	CHECK_EQ(vhd_bitmap_run(bm, 17, 4096, &set), 4096 - 17);
	CHECK(!set);
	CHECK_EQ(vhd_bitmap_run(bm, 8, 12, &set), 4);
	CHECK_EQ(vhd_bitmap_run(bm, 12, 12, &set), 0);
	CHECK(vhd_bitmap_all(bm, 7, 10, true));
	CHECK(!vhd_bitmap_all(bm, 6, 10, true));
	CHECK(vhd_bitmap_all(bm, 100, 3000, false));
	vhd_bitmap_clear_range(bm, 8, 8);
	CHECK_EQ(bm[1], 0x00);
	CHECK_EQ(bm[0], 0x81);
	vhd_bitmap_set_range(bm, 0, 4096);
	CHECK(vhd_bitmap_all(bm, 0, 4096, true));
	CHECK_EQ(vhd_bitmap_run(bm, 3, 4096, &set), 4093);
	vhd_bitmap_clear_range(bm, 4095, 1);
	CHECK_EQ(bm[511], 0xFE);
	CHECK_EQ(vhd_bitmap_run(bm, 0, 4096, &set), 4095);
}

static void t_alloc(void)
{
	struct vhd_alloc_plan p;
	struct vhd_dynhdr h;

	CHECK_EQ(vhd_dynhdr_init(&h, 1 << 30, 2 << 20, 1536), 0);
	CHECK_EQ(vhd_alloc_plan(&h, 3584, &p), 0);
	CHECK_EQ(p.data_off, 4096);
	CHECK_EQ(p.bitmap_off, 3584);
	CHECK_EQ(p.bat_sector, 7);
	CHECK_EQ(p.new_end, 4096 + (2 << 20));
	CHECK_EQ(vhd_alloc_plan(&h, 3585, &p), 0);
	CHECK_EQ(p.data_off, 8192);
	CHECK_EQ(vhd_alloc_plan(&h, p.new_end, &p), 0);
	CHECK_EQ(p.data_off, 8192 + (2 << 20) + 4096);
	/* 16 MiB blocks: 4 KiB bitmap, data still aligned. */
	CHECK_EQ(vhd_dynhdr_init(&h, 1 << 30, 16 << 20, 1536), 0);
	CHECK_EQ(vhd_alloc_plan(&h, 2048, &p), 0);
	CHECK_EQ(p.data_off, 8192);
	CHECK_EQ(p.bitmap_off, 4096);
	/* Beyond 2^32 sectors. */
	CHECK_EQ(vhd_alloc_plan(&h, 0xFFFFFFFFULL << 9, &p), -VHD_E_FULL);
	CHECK_EQ(vhd_alloc_plan(&h, (0xFFFFFFFEULL << 9) - 8192, &p), 0);
}

static void t_utf16(void)
{
	u8 u16[64];
	char u8s[64];
	size_t n;

	/* "aé€😀" */
	const char *s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";

	CHECK_EQ(vhd_utf8_to_utf16(s, strlen(s), true, u16, sizeof(u16), &n),
		 0);
	CHECK_EQ(n, 10);
	CHECK_EQ(vhd_get_be16(u16), 'a');
	CHECK_EQ(vhd_get_be16(u16 + 2), 0xE9);
	CHECK_EQ(vhd_get_be16(u16 + 4), 0x20AC);
	CHECK_EQ(vhd_get_be16(u16 + 6), 0xD83D);
	CHECK_EQ(vhd_get_be16(u16 + 8), 0xDE00);
	CHECK_EQ(vhd_utf16_to_utf8(u16, n, true, u8s, sizeof(u8s), &n), 0);
	CHECK(!strcmp(u8s, s));
	CHECK_EQ(vhd_utf8_to_utf16(s, strlen(s), false, u16, sizeof(u16), &n),
		 0);
	CHECK_EQ(vhd_get_le16(u16 + 6), 0xD83D);
	CHECK_EQ(vhd_utf16_to_utf8(u16, n, false, u8s, sizeof(u8s), NULL), 0);
	CHECK(!strcmp(u8s, s));
	/* Validate-only mode. */
	CHECK_EQ(vhd_utf16_to_utf8(u16, 10, false, NULL, 0, &n), 0);
	CHECK_EQ(n, strlen(s));
	/* Errors. */
	CHECK_EQ(vhd_utf16_to_utf8(u16, 9, false, u8s, 64, NULL),
		 -VHD_E_UTF16);
	CHECK_EQ(vhd_utf16_to_utf8(u16, 8, false, u8s, 64, NULL),
		 -VHD_E_UTF16);	/* high surrogate cut */
	vhd_put_le16(u16, 0xDC00);
	CHECK_EQ(vhd_utf16_to_utf8(u16, 2, false, u8s, 64, NULL),
		 -VHD_E_UTF16);	/* lone low surrogate */
	vhd_put_le16(u16, 0);
	CHECK_EQ(vhd_utf16_to_utf8(u16, 2, false, u8s, 64, NULL),
		 -VHD_E_UTF16);	/* embedded NUL */
	vhd_put_le16(u16, 'x');
	CHECK_EQ(vhd_utf16_to_utf8(u16, 2, false, u8s, 1, NULL),
		 -VHD_E_NAME_TOO_LONG);
	CHECK_EQ(vhd_utf8_to_utf16("\xC0\x80", 2, true, u16, 64, NULL),
		 -VHD_E_UTF8);	/* overlong NUL */
	CHECK_EQ(vhd_utf8_to_utf16("\xED\xA0\x80", 3, true, u16, 64, NULL),
		 -VHD_E_UTF8);	/* encoded surrogate */
	CHECK_EQ(vhd_utf8_to_utf16("\xF4\x90\x80\x80", 4, true, u16, 64,
				   NULL), -VHD_E_UTF8);
	CHECK_EQ(vhd_utf8_to_utf16("\xE2\x82", 2, true, u16, 64, NULL),
		 -VHD_E_UTF8);
	CHECK_EQ(vhd_utf8_to_utf16("abc", 3, true, u16, 4, NULL),
		 -VHD_E_NAME_TOO_LONG);
	CHECK_EQ(vhd_utf8_check("ok", 2), 0);
}

static void t_locators(void)
{
	struct vhd_locator loc;
	u8 data[256];
	char out[128];
	u32 len;

	memset(&loc, 0, sizeof(loc));
	CHECK_EQ(vhd_locator_encode(VHD_PLAT_W2RU, ".\\base.vhd", data,
				    sizeof(data), &len), 0);
	CHECK_EQ(len, 20);
	CHECK_EQ(data[0], '.');
	CHECK_EQ(data[1], 0);		/* little-endian */
	CHECK_EQ(data[2], '\\');
	loc.code = VHD_PLAT_W2RU;
	loc.data_length = len;
	CHECK_EQ(vhd_locator_decode(&loc, data, out, sizeof(out)), 0);
	CHECK(!strcmp(out, ".\\base.vhd"));
	/* A terminator some writers add is dropped. */
	data[20] = data[21] = 0;
	loc.data_length = 22;
	CHECK_EQ(vhd_locator_decode(&loc, data, out, sizeof(out)), 0);
	CHECK(!strcmp(out, ".\\base.vhd"));
	/* Odd length / lone surrogate. */
	loc.data_length = 19;
	CHECK_EQ(vhd_locator_decode(&loc, data, out, sizeof(out)),
		 -VHD_E_UTF16);
	vhd_put_le16(data + 4, 0xDFFF);
	loc.data_length = 20;
	CHECK_EQ(vhd_locator_decode(&loc, data, out, sizeof(out)),
		 -VHD_E_UTF16);
	CHECK_EQ(vhd_locator_decode(&loc, data, out, 4),
		 -VHD_E_UTF16);

	CHECK_EQ(vhd_locator_encode(VHD_PLAT_W2KU, "C:\\x\\p.vhd", data,
				    sizeof(data), &len), 0);
	loc.code = VHD_PLAT_W2KU;
	loc.data_length = len;
	CHECK_EQ(vhd_locator_decode(&loc, data, out, sizeof(out)), 0);
	CHECK(!strcmp(out, "C:\\x\\p.vhd"));
	CHECK_EQ(vhd_locator_decode(&loc, data, out, 5),
		 -VHD_E_NAME_TOO_LONG);

	CHECK_EQ(vhd_locator_encode(VHD_PLAT_MACX, "file:///a/p.vhd", data,
				    sizeof(data), &len), 0);
	CHECK_EQ(len, 15);
	CHECK(!memcmp(data, "file:///a/p.vhd", 15));
	loc.code = VHD_PLAT_MACX;
	loc.data_length = len;
	CHECK_EQ(vhd_locator_decode(&loc, data, out, sizeof(out)), 0);
	CHECK(!strcmp(out, "file:///a/p.vhd"));
	data[3] = 0xFF;
	CHECK_EQ(vhd_locator_decode(&loc, data, out, sizeof(out)),
		 -VHD_E_UTF8);
	loc.code = VHD_PLAT_MAC;
	CHECK_EQ(vhd_locator_decode(&loc, data, out, sizeof(out)),
		 -VHD_E_LOCATOR);
	CHECK_EQ(vhd_locator_encode(VHD_PLAT_W2KU, "", data, sizeof(data),
				    &len), -VHD_E_INVAL);
	CHECK_EQ(vhd_locator_encode(VHD_PLAT_W2KU, "abcdef", data, 4, &len),
		 -VHD_E_NAME_TOO_LONG);
	loc.data_offset = 4096;
	loc.data_length = 513;
	CHECK_EQ(vhd_locator_end(&loc), 4096 + 1024);
}

static void t_parent(void)
{
	struct vhd_dynhdr h;
	struct vhd_footer pf;
	char name[600];
	u32 warn = 0;
	int i;

	memset(&h, 0, sizeof(h));
	CHECK_EQ(vhd_footer_init(&pf, VHD_TYPE_DYNAMIC, 1 << 20, 99, uuid2),
		 0);
	memcpy(h.parent_uuid, uuid2, 16);
	h.parent_timestamp = 99;
	CHECK_EQ(vhd_parent_check(&h, &pf, &warn), 0);
	CHECK_EQ(warn, 0);
	h.parent_timestamp = 0;		/* Windows 10 */
	CHECK_EQ(vhd_parent_check(&h, &pf, &warn), 0);
	CHECK(warn & VHD_W_PARENT_TIME);
	memcpy(h.parent_uuid, uuid1, 16);
	CHECK_EQ(vhd_parent_check(&h, &pf, &warn), -VHD_E_PARENT_UUID);

	CHECK_EQ(vhd_parent_name_set(&h, "C:\\dir\\base.vhd"), 0);
	CHECK_EQ(h.parent_name[0], 0);	/* big-endian */
	CHECK_EQ(h.parent_name[1], 'C');
	CHECK_EQ(vhd_parent_name_get(&h, name, sizeof(name)), 0);
	CHECK(!strcmp(name, "C:\\dir\\base.vhd"));
	/* 256 units fill the field exactly, 257 do not fit. */
	for (i = 0; i < 256; i++)
		name[i] = 'a';
	name[256] = '\0';
	CHECK_EQ(vhd_parent_name_set(&h, name), 0);
	CHECK_EQ(vhd_parent_name_get(&h, name, sizeof(name)), 0);
	CHECK_EQ(strlen(name), 256);
	name[256] = 'b';
	name[257] = '\0';
	CHECK_EQ(vhd_parent_name_set(&h, name), -VHD_E_NAME_TOO_LONG);
}

static void t_create(void)
{
	struct vhd_create_layout l;
	struct vhd_dynhdr h;
	u64 s;

	CHECK_EQ(vhd_create_size(1, &s), 0);
	CHECK_EQ(s, 1 << 20);
	CHECK_EQ(vhd_create_size(10ULL << 30, &s), 0);
	CHECK_EQ(s, 10ULL << 30);
	CHECK_EQ(vhd_create_size((10ULL << 30) + 1, &s), 0);
	CHECK_EQ(s, (10ULL << 30) + (1 << 20));
	CHECK_EQ(vhd_create_size(VHD_MAX_SIZE, &s), 0);
	CHECK_EQ(vhd_create_size(VHD_MAX_SIZE + 1, &s), -VHD_E_TOO_BIG);
	CHECK_EQ(vhd_create_size(0, &s), -VHD_E_INVAL);

	CHECK_EQ(vhd_dynhdr_init(&h, VHD_MAX_SIZE, 2 << 20, 0), 0);
	CHECK_EQ(h.max_table_entries, 1044480);
	h.loc[0].data_length = 100;
	h.loc[1].data_length = 600;
	CHECK_EQ(vhd_create_layout(&h, 2, &l), 0);
	CHECK_EQ(l.header_off, 512);
	CHECK_EQ(l.bat_off, 1536);
	CHECK_EQ(h.table_offset, 1536);
	CHECK_EQ(l.bat_bytes, 1044480 * 4);
	CHECK_EQ(l.loc_off[0], 1536 + 1044480 * 4);
	CHECK_EQ(h.loc[0].data_space, 512);
	CHECK_EQ(h.loc[1].data_offset, l.loc_off[0] + 512);
	CHECK_EQ(h.loc[1].data_space, 1024);
	CHECK_EQ(l.data_end, l.loc_off[1] + 1024);
	CHECK_EQ(l.file_size, l.data_end + 512);
	CHECK_EQ(vhd_footer_init(NULL, 2, 0, 0, uuid1), -VHD_E_INVAL);
	{
		struct vhd_footer f;

		CHECK_EQ(vhd_footer_init(&f, 1, 1 << 20, 0, uuid1),
			 -VHD_E_DISK_TYPE);
		CHECK_EQ(vhd_footer_init(&f, 2, VHD_MAX_SIZE + 512, 0, uuid1),
			 -VHD_E_TOO_BIG);
		CHECK_EQ(vhd_footer_init(&f, 2, 1000, 0, uuid1),
			 -VHD_E_SIZE_ALIGN);
		CHECK_EQ(vhd_footer_init(&f, 2, 1 << 20, 0, uuid1), 0);
		CHECK_EQ(f.data_offset, VHD_NO_OFFSET);
	}
}

static void t_errors(void)
{
	int i, j;

	for (i = 0; i < VHD_E_MAX; i++) {
		CHECK(vhd_strerror(i) != NULL);
		CHECK(vhd_strerror(-i) == vhd_strerror(i));
		CHECK(i == 0 || vhd_errno(-i) < 0);
		for (j = 0; j < i; j++)
			CHECK(strcmp(vhd_strerror(i), vhd_strerror(j)));
	}
	CHECK(!strcmp(vhd_strerror(-VHD_E_MAX), "unknown error"));
	CHECK(!strcmp(vhd_strerror(-12345), "unknown error"));
	CHECK_EQ(vhd_errno(0), 0);
	CHECK_EQ(vhd_errno(-VHD_E_CHECKSUM), -EBADMSG);
	CHECK_EQ(vhd_errno(-VHD_E_NOMEM), -ENOMEM);
	CHECK_EQ(vhd_errno(-VHD_E_TOO_BIG), -EFBIG);
	CHECK_EQ(vhd_errno(-VHD_E_CHAIN_LOOP), -ELOOP);
	CHECK_EQ(vhd_errno(-VHD_E_NO_PARENT), -ENOENT);
	CHECK_EQ(vhd_errno(-VHD_E_BLOCK_OVERLAP), -EUCLEAN);
}

/* Resize and compaction planning (resize.c). */
static void t_resize_plan(void)
{
	struct vhd_footer f;
	struct vhd_dynhdr h;
	u32 entries, bytes, holes[8], n, i;
	u8 bat[4 * 64];

	CHECK_EQ(vhd_footer_init(&f, VHD_TYPE_DYNAMIC, 12 << 20, 0, uuid1), 0);
	CHECK_EQ(vhd_dynhdr_init(&h, 12 << 20, 512 << 10, 1536), 0);
	CHECK_EQ(h.max_table_entries, 24);
	CHECK_EQ(vhd_resize_entries(&h, 300 << 20, &entries, &bytes), 0);
	CHECK_EQ(entries, 600);
	CHECK_EQ(bytes, 2560);
	CHECK_EQ(vhd_resize_entries(&h, 1000, &entries, &bytes),
		 -VHD_E_SIZE_ALIGN);
	CHECK_EQ(vhd_resize_entries(&h, VHD_MAX_SIZE + 512, &entries, &bytes),
		 -VHD_E_TOO_BIG);
	/* Blocks: 0 at the first aligned place (sector 7), 1 far away. */
	memset(bat, 0xFF, sizeof(bat));
	vhd_bat_set(bat, 0, 7);
	vhd_bat_set(bat, 1, 7 + 2 * 1032);
	CHECK_EQ(vhd_resize_block_conflict(&h, bat, 1536 + 512), VHD_BAT_UNUSED);
	CHECK_EQ(vhd_resize_block_conflict(&h, bat, 1536 + 2560), 0);
	vhd_bat_set(bat, 0, VHD_BAT_UNUSED);
	CHECK_EQ(vhd_resize_block_conflict(&h, bat, 1536 + 2560),
		 VHD_BAT_UNUSED);
	CHECK_EQ(vhd_resize_block_conflict(&h, bat, 7 * 512 + 2 * 1032 * 512 +
					   1), 1);
	/* Locators only count in differencing disks. */
	CHECK_EQ(vhd_resize_loc_conflict(&f, &h, 1 << 20), -1);
	f.disk_type = VHD_TYPE_DIFF;
	h.loc[2].code = VHD_PLAT_W2RU;
	h.loc[2].data_length = 100;
	h.loc[2].data_offset = 2048;
	CHECK_EQ(vhd_resize_loc_conflict(&f, &h, 2048), -1);
	CHECK_EQ(vhd_resize_loc_conflict(&f, &h, 2049), 2);
	/*
	 * Compaction: slots of 1032 sectors (512 bitmap + 3584 gap + 512K)
	 * from sector 7; blocks in slots 1 and 3, slots 0 and 2 free.
	 */
	vhd_bat_set(bat, 0, 7 + 1032);
	vhd_bat_set(bat, 1, 7 + 3 * 1032);
	CHECK_EQ(vhd_compact_holes(&h, bat, 2048, holes, 8, &n), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(holes[0], 7);
	CHECK_EQ(holes[1], 7 + 2 * 1032);
	CHECK_EQ(vhd_compact_holes(&h, bat, 2048, holes, 1, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(vhd_compact_next_move(&h, bat, 7), 1);
	CHECK_EQ(vhd_compact_next_move(&h, bat, 7 + 3 * 1032), VHD_BAT_UNUSED);
	for (i = 0; i < 2; i++)
		vhd_bat_set(bat, i, 7 + i * 1032);
	CHECK_EQ(vhd_compact_holes(&h, bat, 2048, holes, 8, &n), 0);
	CHECK_EQ(n, 0);
}

int main(void)
{
	run("checksum", t_checksum);
	run("chs-table", t_chs_table);
	run("footer-roundtrip", t_footer_roundtrip);
	run("footer-errors", t_footer_errors);
	run("footer-quirks", t_footer_quirks);
	run("footer-lost", t_footer_lost);
	run("size-rule", t_size_rule);
	run("time", t_time);
	run("dynhdr-roundtrip", t_dynhdr_roundtrip);
	run("dynhdr-errors", t_dynhdr_errors);
	run("bat", t_bat);
	run("bat-overlap-scale", t_bat_overlap_scale);
	run("bat-full-2040g", t_bat_full_2040g);
	run("bitmap", t_bitmap);
	run("alloc", t_alloc);
	run("utf16", t_utf16);
	run("locators", t_locators);
	run("parent", t_parent);
	run("create-layout", t_create);
	run("errors", t_errors);
	run("resize-plan", t_resize_plan);
	return check_done();
}
