// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the csv format library (csv/lib/format.c): crc32c, the
 * superblock's init and checks, the disk table's edits and checks, and
 * the sector map. Prints one "PASS: csv_unit/NAME" or "FAIL: csv_unit/NAME"
 * line per test.
 *
 * "csv_unit mkvol FILE" writes a formatted 64 MiB volume image with disks
 * and nodes in table copy B (generation 5) over an older copy A, for
 * csvctl.sh to inspect.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv_format.h"

#define CHECK_SUITE		"csv_unit"
#define CHECK_EQ_TYPE		long long
#define CHECK_EQ_FMT		"%lld"
#include "check.h"

#define MIB		(1ULL << 20)

static const u8 uuid1[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
			      14, 15, 16 };

/* A volume in memory: superblock, one table, its scratch. */
struct vol {
	struct csv_sb sb;
	struct csv_table t;
	u8 buf[CSV_TBL_ROOM];
	u8 scratch[CSV_SCRATCH_BYTES];
	u8 copy[CSV_TBL_ROOM];
};

static struct vol v;

/* A fresh volume of DATA_UNITS allocation units. */
static void vol_init(u64 data_units)
{
	memset(&v, 0, sizeof(v));
	csv_sb_init(&v.sb, "vol1", uuid1, CSV_DATA_START + data_units * MIB,
		    1700000000);
	csv_tbl_bind(&v.t, &v.sb, v.buf, v.scratch);
	csv_tbl_init(&v.t, &v.sb);
	csv_tbl_hdr(&v.t)->generation = cpu_to_le64(1);
	csv_tbl_seal(&v.t, 0);
}

static struct csv_disk_ent *disk(const char *name)
{
	int i = csv_tbl_find(&v.t, name);

	return i < 0 ? NULL : csv_tbl_disk(&v.t, i);
}

static u64 ext_start(const char *name, u32 j)
{
	return le64_to_cpu(disk(name)->ext[j].start);
}

static u64 ext_units(const char *name, u32 j)
{
	return le64_to_cpu(disk(name)->ext[j].units);
}

static u32 next(const char *name)
{
	return le32_to_cpu(disk(name)->nextents);
}

static int tbl_check(const char **why)
{
	*why = NULL;
	return csv_tbl_check(&v.t, &v.sb, why);
}

/* ---------------------------------------------------------------------- */

static void t_crc32c(void)
{
	u8 buf[64];

	CHECK_EQ(csv_crc32c(~0U, "123456789", 9) ^ ~0U, 0xe3069283U);
	/* The crc field counts as zero, whatever it holds. */
	memset(buf, 0x5a, sizeof(buf));
	memset(buf + 8, 0, 4);
	CHECK_EQ(csv_crc32c_buf(buf, sizeof(buf), 8),
		 csv_crc32c(~0U, buf, sizeof(buf)) ^ ~0U);
	memset(buf + 8, 0xff, 4);
	CHECK_EQ(csv_crc32c_buf(buf, sizeof(buf), 8),
		 csv_crc32c_buf(buf, sizeof(buf), 8));
	buf[8] = 0;
	memset(buf + 8, 0, 4);
	CHECK_EQ(csv_crc32c_buf(buf, sizeof(buf), 8),
		 csv_crc32c(~0U, buf, sizeof(buf)) ^ ~0U);
}

static void t_layout(void)
{
	CHECK_EQ(sizeof(struct csv_sb), 256);
	CHECK_EQ(sizeof(struct csv_tbl_hdr), 64);
	CHECK_EQ(sizeof(struct csv_node_slot), 40);
	CHECK_EQ(sizeof(struct csv_disk_ent), 200);
	CHECK_EQ(csv_tbl_bytes(CSV_MAX_NODES, CSV_MAX_DISKS),
		 64 + 32 * 40 + 128 * 200);
	CHECK(csv_tbl_bytes(CSV_MAX_NODES, CSV_MAX_DISKS) <= CSV_TBL_ROOM);
	CHECK(CSV_TBL_OFFSET_A + CSV_TBL_ROOM <= CSV_TBL_OFFSET_B);
	CHECK(CSV_TBL_OFFSET_B + CSV_TBL_ROOM <= CSV_DATA_START);
}

static void t_sb_roundtrip(void)
{
	const char *why = NULL;
	struct csv_sb sb;
	u64 lun = 10 * MIB + 4096;

	csv_sb_init(&sb, "vol1", uuid1, lun, 1700000000);
	CHECK_EQ(csv_sb_check(&sb, lun, &why), 0);
	CHECK(!memcmp(sb.magic, CSV_SB_MAGIC, 8));
	CHECK_EQ(le32_to_cpu(sb.version), CSV_VERSION);
	CHECK_EQ(le32_to_cpu(sb.sb_bytes), sizeof(sb));
	CHECK_STR(sb.name, "vol1");
	CHECK(!memcmp(sb.uuid, uuid1, 16));
	CHECK_EQ(le64_to_cpu(sb.lun_bytes), lun);
	CHECK_EQ(le64_to_cpu(sb.data_start), CSV_DATA_START);
	CHECK_EQ(le64_to_cpu(sb.data_units), 9);	/* the 4 KiB tail is lost */
	CHECK_EQ(le32_to_cpu(sb.alloc_shift), CSV_ALLOC_SHIFT);
	CHECK_EQ(le64_to_cpu(sb.tbl_offset[0]), CSV_TBL_OFFSET_A);
	CHECK_EQ(le64_to_cpu(sb.tbl_offset[1]), CSV_TBL_OFFSET_B);
	CHECK_EQ(le64_to_cpu(sb.format_time), 1700000000);
	/* A LUN that grew since is fine. */
	CHECK_EQ(csv_sb_check(&sb, lun * 4, &why), 0);
	/* Too small a LUN holds no unit. */
	csv_sb_init(&sb, "vol1", uuid1, CSV_DATA_START + MIB - 512, 0);
	CHECK_EQ(le64_to_cpu(sb.data_units), 0);
	csv_sb_init(&sb, "vol1", uuid1, 4096, 0);
	CHECK_EQ(le64_to_cpu(sb.data_units), 0);
}

static void t_sb_errors(void)
{
	const char *why;
	struct csv_sb sb, ref;
	u64 lun = 100 * MIB;

	csv_sb_init(&ref, "vol1", uuid1, lun, 1700000000);

	sb = ref;
	sb.magic[0] = 'X';
	CHECK_EQ(csv_sb_check(&sb, lun, &why), -EINVAL);
	CHECK_STR(why, "no csv superblock (bad magic)");

	sb = ref;
	sb.name[2] ^= 1;
	CHECK_EQ(csv_sb_check(&sb, lun, &why), -EUCLEAN);
	CHECK_STR(why, "superblock checksum mismatch");
	sb = ref;
	sb.reserved[50] = 1;
	CHECK_EQ(csv_sb_check(&sb, lun, &why), -EUCLEAN);

	sb = ref;
	sb.version = cpu_to_le32(2);
	csv_sb_seal(&sb);
	CHECK_EQ(csv_sb_check(&sb, lun, &why), -EOPNOTSUPP);
	sb = ref;
	sb.feat_incompat = cpu_to_le32(1);
	csv_sb_seal(&sb);
	CHECK_EQ(csv_sb_check(&sb, lun, &why), -EOPNOTSUPP);
	/* Unknown compat and ro_compat bits are the caller's business. */
	sb = ref;
	sb.feat_compat = cpu_to_le32(1);
	sb.feat_ro_compat = cpu_to_le32(1);
	csv_sb_seal(&sb);
	CHECK_EQ(csv_sb_check(&sb, lun, &why), 0);

	CHECK_EQ(csv_sb_check(&ref, lun - 512, &why), -EINVAL);
	CHECK_STR(why, "LUN smaller than the volume");
	CHECK_EQ(csv_sb_check(&ref, 0, &why), -EINVAL);

	sb = ref;
	sb.alloc_shift = cpu_to_le32(11);
	csv_sb_seal(&sb);
	CHECK_EQ(csv_sb_check(&sb, lun, &why), -EUCLEAN);
	CHECK_STR(why, "superblock fields out of range");
	sb = ref;
	memset(sb.name, 'a', sizeof(sb.name));
	csv_sb_seal(&sb);
	CHECK_EQ(csv_sb_check(&sb, lun, &why), -EUCLEAN);
	sb = ref;
	sb.max_disks = cpu_to_le32(CSV_MAX_DISKS + 1);
	csv_sb_seal(&sb);
	CHECK_EQ(csv_sb_check(&sb, lun, &why), -EUCLEAN);

	/* Table copies: inside the metadata area, B after A, no overlap. */
	sb = ref;
	sb.tbl_offset[1] = cpu_to_le64(CSV_TBL_OFFSET_A + 512);
	csv_sb_seal(&sb);
	CHECK_EQ(csv_sb_check(&sb, lun, &why), -EUCLEAN);
	CHECK_STR(why, "table offsets out of range");
	sb = ref;
	sb.tbl_offset[0] = cpu_to_le64(0);
	csv_sb_seal(&sb);
	CHECK_EQ(csv_sb_check(&sb, lun, &why), -EUCLEAN);
	sb = ref;
	sb.tbl_offset[1] = cpu_to_le64(CSV_DATA_START - CSV_TBL_ROOM + 512);
	csv_sb_seal(&sb);
	CHECK_EQ(csv_sb_check(&sb, lun, &why), -EUCLEAN);
	sb = ref;
	sb.tbl_offset[1] = cpu_to_le64(CSV_DATA_START - CSV_TBL_ROOM);
	csv_sb_seal(&sb);
	CHECK_EQ(csv_sb_check(&sb, lun, &why), 0);

	/* Offsets so large that offset + room wraps around. */
	sb = ref;
	sb.tbl_offset[0] = cpu_to_le64(~0ULL - 511);
	csv_sb_seal(&sb);
	CHECK_EQ(csv_sb_check(&sb, lun, &why), -EUCLEAN);
	/* A data area whose end wraps around: start 2^63, 2^63 bytes long. */
	sb = ref;
	sb.data_start = cpu_to_le64(1ULL << 63);
	sb.data_units = cpu_to_le64(1ULL << 43);
	csv_sb_seal(&sb);
	CHECK(csv_sb_check(&sb, lun, &why) < 0);
	sb = ref;
	sb.data_units = cpu_to_le64(1ULL << 43);
	csv_sb_seal(&sb);
	CHECK(csv_sb_check(&sb, lun, &why) < 0);
}

static void t_names(void)
{
	char n[64];

	CHECK_EQ(csv_name_check("vm1", CSV_DNAME_LEN), 0);
	CHECK_EQ(csv_name_check("A.b_c-9", CSV_DNAME_LEN), 0);
	CHECK_EQ(csv_name_check("a.", CSV_DNAME_LEN), 0);
	memset(n, 'x', sizeof(n));
	n[47] = '\0';
	CHECK_EQ(csv_name_check(n, CSV_DNAME_LEN), 0);
	n[47] = 'x';
	n[48] = '\0';
	CHECK_EQ(csv_name_check(n, CSV_DNAME_LEN), -ENAMETOOLONG);
	n[31] = '\0';
	CHECK_EQ(csv_name_check(n, CSV_NAME_LEN), 0);
	n[31] = 'x';
	n[32] = '\0';
	CHECK_EQ(csv_name_check(n, CSV_NAME_LEN), -ENAMETOOLONG);
	CHECK_EQ(csv_name_check("", CSV_DNAME_LEN), -EINVAL);
	CHECK_EQ(csv_name_check(".hidden", CSV_DNAME_LEN), -EINVAL);
	CHECK_EQ(csv_name_check("..", CSV_DNAME_LEN), -EINVAL);
	CHECK_EQ(csv_name_check("-opt", CSV_DNAME_LEN), -EINVAL);
	CHECK_EQ(csv_name_check("a/b", CSV_DNAME_LEN), -EINVAL);
	CHECK_EQ(csv_name_check("a b", CSV_DNAME_LEN), -EINVAL);
	CHECK_EQ(csv_name_check("a\xc3\xa9", CSV_DNAME_LEN), -EINVAL);
	CHECK_EQ(csv_name_check("a:b", CSV_DNAME_LEN), -EINVAL);
}

static void t_tbl_init(void)
{
	const char *why;

	vol_init(100);
	CHECK_EQ(tbl_check(&why), 0);
	CHECK_EQ(csv_tbl_count(&v.t), 0);
	CHECK_EQ(csv_tbl_free_units(&v.t), 100);
	CHECK_EQ(le64_to_cpu(csv_tbl_hdr(&v.t)->next_id), 1);
	CHECK_EQ(le64_to_cpu(csv_tbl_hdr(&v.t)->generation), 1);
	CHECK_EQ(le32_to_cpu(csv_tbl_hdr(&v.t)->tbl_bytes), v.t.bytes);
	CHECK_EQ(v.t.bytes, csv_tbl_bytes(CSV_MAX_NODES, CSV_MAX_DISKS));
	CHECK_EQ(csv_tbl_find(&v.t, "x"), -ENOENT);
	CHECK_EQ(csv_tbl_find_id(&v.t, 0), -ENOENT);
	CHECK_EQ(csv_tbl_find_id(&v.t, 1), -ENOENT);
}

static void t_create_delete(void)
{
	const char *why;
	u64 id = 0;
	int i;

	vol_init(100);
	CHECK_EQ(csv_tbl_create(&v.t, "a", 10 * MIB, &id), 0);
	CHECK_EQ(id, 1);
	CHECK_EQ(csv_tbl_create(&v.t, "b", 5 * MIB + 512, &id), 0);
	CHECK_EQ(id, 2);
	CHECK_EQ(csv_tbl_create(&v.t, "a", MIB, &id), -EEXIST);
	CHECK_EQ(csv_tbl_create(&v.t, "c", 0, &id), -EINVAL);
	CHECK_EQ(csv_tbl_create(&v.t, "c", 1000, &id), -EINVAL);
	CHECK_EQ(csv_tbl_create(&v.t, ".c", MIB, &id), -EINVAL);
	CHECK_EQ(csv_tbl_count(&v.t), 2);
	i = csv_tbl_find(&v.t, "b");
	CHECK(i >= 0);
	CHECK_EQ(csv_tbl_find_id(&v.t, 2), i);
	CHECK_EQ(le64_to_cpu(disk("b")->bytes), 5 * MIB + 512);
	CHECK_EQ(next("a"), 1);
	CHECK_EQ(ext_start("a", 0), 0);
	CHECK_EQ(ext_units("a", 0), 10);
	CHECK_EQ(ext_start("b", 0), 10);
	CHECK_EQ(ext_units("b", 0), 6);		/* rounded up to a unit */
	CHECK_EQ(csv_tbl_free_units(&v.t), 84);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), 0);
	CHECK_EQ(le16_to_cpu(csv_tbl_hdr(&v.t)->ndisks), 2);

	/* Deleted: its id is not handed out again, its units are. */
	CHECK_EQ(csv_tbl_delete(&v.t, csv_tbl_find(&v.t, "a")), 0);
	CHECK_EQ(csv_tbl_find(&v.t, "a"), -ENOENT);
	CHECK_EQ(csv_tbl_find_id(&v.t, 1), -ENOENT);
	CHECK_EQ(csv_tbl_free_units(&v.t), 94);
	CHECK_EQ(csv_tbl_create(&v.t, "a", MIB, &id), 0);
	CHECK_EQ(id, 3);
	CHECK_EQ(ext_start("a", 0), 0);
	CHECK_EQ(csv_tbl_delete(&v.t, csv_tbl_find(&v.t, "a")), 0);
	CHECK_EQ(csv_tbl_delete(&v.t, csv_tbl_find(&v.t, "b")), 0);
	CHECK_EQ(csv_tbl_create(&v.t, "b", MIB, &id), 0);
	CHECK_EQ(id, 4);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), 0);
	CHECK_EQ(csv_tbl_free_units(&v.t), 99);
}

static void t_table_full(void)
{
	char name[16];
	u64 id;
	u32 i;

	vol_init(1000);
	for (i = 0; i < CSV_MAX_DISKS; i++) {
		snprintf(name, sizeof(name), "d%u", i);
		CHECK_EQ(csv_tbl_create(&v.t, name, MIB, &id), 0);
	}
	memcpy(v.copy, v.buf, v.t.bytes);
	CHECK_EQ(csv_tbl_create(&v.t, "one-more", MIB, &id), -ENOSPC);
	CHECK(!memcmp(v.copy, v.buf, v.t.bytes));
	CHECK_EQ(csv_tbl_count(&v.t), CSV_MAX_DISKS);
	CHECK_EQ(csv_tbl_free_units(&v.t), 1000 - CSV_MAX_DISKS);
}

static void t_grow_in_place(void)
{
	const char *why;
	u64 id;

	vol_init(100);
	CHECK_EQ(csv_tbl_create(&v.t, "a", MIB, &id), 0);
	CHECK_EQ(csv_tbl_resize(&v.t, csv_tbl_find(&v.t, "a"), 3 * MIB, false), 0);
	CHECK_EQ(next("a"), 1);
	CHECK_EQ(ext_start("a", 0), 0);
	CHECK_EQ(ext_units("a", 0), 3);
	CHECK_EQ(le64_to_cpu(disk("a")->bytes), 3 * MIB);
	/* Within the last unit: bytes change, units do not. */
	CHECK_EQ(csv_tbl_resize(&v.t, csv_tbl_find(&v.t, "a"), 3 * MIB - 512, true), 0);
	CHECK_EQ(ext_units("a", 0), 3);
	CHECK_EQ(csv_tbl_resize(&v.t, csv_tbl_find(&v.t, "a"), 3 * MIB, false), 0);
	CHECK_EQ(ext_units("a", 0), 3);
	/* Up to the very end of the data area. */
	CHECK_EQ(csv_tbl_resize(&v.t, csv_tbl_find(&v.t, "a"), 100 * MIB, false), 0);
	CHECK_EQ(next("a"), 1);
	CHECK_EQ(ext_units("a", 0), 100);
	CHECK_EQ(csv_tbl_free_units(&v.t), 0);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), 0);
}

static void t_grow_fragmented(void)
{
	const char *why;
	u64 id;

	vol_init(100);
	CHECK_EQ(csv_tbl_create(&v.t, "a", MIB, &id), 0);
	CHECK_EQ(csv_tbl_create(&v.t, "b", 2 * MIB, &id), 0);
	/* b follows a: a gets a second extent after b. */
	CHECK_EQ(csv_tbl_resize(&v.t, csv_tbl_find(&v.t, "a"), 4 * MIB, false), 0);
	CHECK_EQ(next("a"), 2);
	CHECK_EQ(ext_start("a", 0), 0);
	CHECK_EQ(ext_units("a", 0), 1);
	CHECK_EQ(ext_start("a", 1), 3);
	CHECK_EQ(ext_units("a", 1), 3);
	CHECK_EQ(ext_start("b", 0), 1);
	/* Then a's last extent grows in place again. */
	CHECK_EQ(csv_tbl_resize(&v.t, csv_tbl_find(&v.t, "a"), 6 * MIB, false), 0);
	CHECK_EQ(next("a"), 2);
	CHECK_EQ(ext_units("a", 1), 5);
	/* b: boxed in by a, it continues after a's second extent. */
	CHECK_EQ(csv_tbl_resize(&v.t, csv_tbl_find(&v.t, "b"), 3 * MIB, false), 0);
	CHECK_EQ(next("b"), 2);
	CHECK_EQ(ext_start("b", 1), 8);
	CHECK_EQ(ext_units("b", 1), 1);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), 0);

	/* A hole left by a deleted disk is filled first, then the rest. */
	vol_init(20);
	CHECK_EQ(csv_tbl_create(&v.t, "x", 2 * MIB, &id), 0);
	CHECK_EQ(csv_tbl_create(&v.t, "y", 2 * MIB, &id), 0);
	CHECK_EQ(csv_tbl_create(&v.t, "z", 2 * MIB, &id), 0);
	CHECK_EQ(csv_tbl_delete(&v.t, csv_tbl_find(&v.t, "x")), 0);
	CHECK_EQ(csv_tbl_resize(&v.t, csv_tbl_find(&v.t, "y"), 7 * MIB, false), 0);
	/* y: 2+2, then 0+2 (first fit), then 6+3 */
	CHECK_EQ(next("y"), 3);
	CHECK_EQ(ext_start("y", 1), 0);
	CHECK_EQ(ext_units("y", 1), 2);
	CHECK_EQ(ext_start("y", 2), 6);
	CHECK_EQ(ext_units("y", 2), 3);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), 0);
}

static void t_enospc(void)
{
	char name[16];
	u64 id;
	u32 i;

	/* Out of units. */
	vol_init(10);
	CHECK_EQ(csv_tbl_create(&v.t, "a", 4 * MIB, &id), 0);
	CHECK_EQ(csv_tbl_create(&v.t, "b", 4 * MIB, &id), 0);
	csv_tbl_seal(&v.t, 1);
	memcpy(v.copy, v.buf, v.t.bytes);
	CHECK_EQ(csv_tbl_resize(&v.t, csv_tbl_find(&v.t, "a"), 7 * MIB, false), -ENOSPC);
	CHECK(!memcmp(v.copy, v.buf, v.t.bytes));
	CHECK_EQ(csv_tbl_create(&v.t, "c", 3 * MIB, &id), -ENOSPC);
	CHECK(!memcmp(v.copy, v.buf, v.t.bytes));
	CHECK_EQ(csv_tbl_find(&v.t, "c"), -ENOENT);
	CHECK_EQ(csv_tbl_create(&v.t, "c", 2 * MIB, &id), 0);
	CHECK_EQ(id, 3);
	CHECK_EQ(csv_tbl_free_units(&v.t), 0);

	/* Out of extents: a disk of 8 one-unit pieces cannot take a 9th. */
	vol_init(40);
	for (i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "d%u", i);
		CHECK_EQ(csv_tbl_create(&v.t, name, MIB, &id), 0);
	}
	for (i = 0; i < 16; i += 2) {
		snprintf(name, sizeof(name), "d%u", i);
		CHECK_EQ(csv_tbl_delete(&v.t, csv_tbl_find(&v.t, name)), 0);
	}
	/* Free: 0, 2, 4, ... 14 and 16..39; d1 ends at 2, which is free. */
	CHECK_EQ(csv_tbl_create(&v.t, "frag", 8 * MIB, &id), 0);
	CHECK_EQ(next("frag"), 8);
	csv_tbl_seal(&v.t, 1);
	memcpy(v.copy, v.buf, v.t.bytes);
	CHECK_EQ(csv_tbl_resize(&v.t, csv_tbl_find(&v.t, "frag"), 9 * MIB, false), -ENOSPC);
	CHECK(!memcmp(v.copy, v.buf, v.t.bytes));
	CHECK_EQ(csv_tbl_free_units(&v.t), 24);

	/* A size whose unit count overflows u64 arithmetic. */
	vol_init(10);
	memcpy(v.copy, v.buf, v.t.bytes);
	CHECK_EQ(csv_tbl_create(&v.t, "huge", ~0ULL - 511, &id), -ENOSPC);
	CHECK(!memcmp(v.copy, v.buf, v.t.bytes));
	CHECK_EQ(csv_tbl_create(&v.t, "a", MIB, &id), 0);
	memcpy(v.copy, v.buf, v.t.bytes);
	CHECK_EQ(csv_tbl_resize(&v.t, csv_tbl_find(&v.t, "a"), ~0ULL - 511, false),
		 -ENOSPC);
	CHECK(!memcmp(v.copy, v.buf, v.t.bytes));
}

static void t_shrink(void)
{
	const char *why;
	int a, b;
	u64 id;

	vol_init(100);
	CHECK_EQ(csv_tbl_create(&v.t, "a", 2 * MIB, &id), 0);
	CHECK_EQ(csv_tbl_create(&v.t, "b", MIB, &id), 0);
	a = csv_tbl_find(&v.t, "a");
	b = csv_tbl_find(&v.t, "b");
	CHECK_EQ(csv_tbl_resize(&v.t, a, 5 * MIB, false), 0);
	CHECK_EQ(next("a"), 2);
	memcpy(v.copy, v.buf, v.t.bytes);
	CHECK_EQ(csv_tbl_resize(&v.t, a, 4 * MIB, false), -EINVAL);
	CHECK_EQ(csv_tbl_resize(&v.t, a, 5 * MIB - 512, false), -EINVAL);
	CHECK_EQ(csv_tbl_resize(&v.t, a, 0, true), -EINVAL);
	CHECK_EQ(csv_tbl_resize(&v.t, a, 1000, true), -EINVAL);
	CHECK(!memcmp(v.copy, v.buf, v.t.bytes));
	/* Cut the second extent off, then into the first. */
	CHECK_EQ(csv_tbl_resize(&v.t, a, 2 * MIB, true), 0);
	CHECK_EQ(next("a"), 1);
	CHECK_EQ(ext_units("a", 0), 2);
	CHECK_EQ(le64_to_cpu(disk("a")->ext[1].units), 0);
	CHECK_EQ(le64_to_cpu(disk("a")->ext[1].start), 0);
	CHECK_EQ(csv_tbl_free_units(&v.t), 97);
	CHECK_EQ(csv_tbl_resize(&v.t, a, 512, true), 0);
	CHECK_EQ(next("a"), 1);
	CHECK_EQ(ext_units("a", 0), 1);
	CHECK_EQ(le64_to_cpu(disk("a")->bytes), 512);
	CHECK_EQ(csv_tbl_free_units(&v.t), 98);
	/* The freed unit goes to b, in place. */
	CHECK_EQ(csv_tbl_resize(&v.t, b, 2 * MIB, false), 0);
	CHECK_EQ(next("b"), 1);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), 0);
}

static void t_rename(void)
{
	const char *why;
	int a;
	u64 id;

	vol_init(100);
	CHECK_EQ(csv_tbl_create(&v.t, "a", MIB, &id), 0);
	CHECK_EQ(csv_tbl_create(&v.t, "b", MIB, &id), 0);
	a = csv_tbl_find(&v.t, "a");
	CHECK_EQ(csv_tbl_rename(&v.t, a, "b"), -EEXIST);
	CHECK_EQ(csv_tbl_rename(&v.t, a, "a"), 0);
	CHECK_EQ(csv_tbl_rename(&v.t, a, "bad/name"), -EINVAL);
	CHECK_EQ(csv_tbl_rename(&v.t, a, ""), -EINVAL);
	CHECK_EQ(csv_tbl_rename(&v.t, a,
				"0123456789012345678901234567890123456789012345678"),
		 -ENAMETOOLONG);
	CHECK_EQ(csv_tbl_find(&v.t, "a"), a);
	CHECK_EQ(csv_tbl_rename(&v.t, a, "a-much-longer-name-than-before"), 0);
	CHECK_EQ(csv_tbl_rename(&v.t, a, "c"), 0);
	CHECK_EQ(csv_tbl_find(&v.t, "c"), a);
	CHECK_EQ(csv_tbl_find(&v.t, "a"), -ENOENT);
	/* No tail of the longer name is left behind. */
	CHECK_EQ(disk("c")->name[2], 0);
	CHECK_EQ(disk("c")->name[20], 0);
	CHECK_EQ(le64_to_cpu(disk("c")->id), 1);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), 0);
}

static void t_tbl_check(void)
{
	struct csv_disk_ent *a, *b;
	const char *why;
	u64 id;

	vol_init(100);
	CHECK_EQ(csv_tbl_create(&v.t, "a", 2 * MIB, &id), 0);
	CHECK_EQ(csv_tbl_create(&v.t, "b", 2 * MIB, &id), 0);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), 0);
	memcpy(v.copy, v.buf, v.t.bytes);
	a = disk("a");
	b = disk("b");

	/* A flipped bit anywhere in the table. */
	v.buf[v.t.bytes - 1] ^= 1;
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	CHECK_STR(why, "disk table checksum mismatch");
	memcpy(v.buf, v.copy, v.t.bytes);
	csv_tbl_hdr(&v.t)->magic[0] = 'x';
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	memcpy(v.buf, v.copy, v.t.bytes);
	/* All zero: a copy never written. */
	memset(v.buf, 0, v.t.bytes);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	memcpy(v.buf, v.copy, v.t.bytes);

	csv_tbl_hdr(&v.t)->uuid[3] ^= 1;
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	CHECK_STR(why, "disk table of another volume");
	memcpy(v.buf, v.copy, v.t.bytes);

	/* b's extent starts inside a's. */
	b->ext[0].start = cpu_to_le64(1);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	CHECK_STR(why, "overlapping extents");
	memcpy(v.buf, v.copy, v.t.bytes);
	/* One disk's two extents overlapping each other. */
	a->nextents = cpu_to_le32(2);
	a->ext[1].start = cpu_to_le64(1);
	a->ext[1].units = cpu_to_le64(1);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	CHECK_STR(why, "overlapping extents");
	memcpy(v.buf, v.copy, v.t.bytes);

	/* Extents past the data area, empty, or wrapping. */
	b->ext[0].start = cpu_to_le64(99);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	CHECK_STR(why, "extent outside the data area");
	b->ext[0].start = cpu_to_le64(100);
	b->ext[0].units = cpu_to_le64(1);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	b->ext[0].start = cpu_to_le64(2);
	b->ext[0].units = cpu_to_le64(~0ULL);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	b->ext[0].units = 0;
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	memcpy(v.buf, v.copy, v.t.bytes);

	/* Same name twice; same id twice; an id not yet handed out. */
	memcpy(b->name, "a", 2);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	CHECK_STR(why, "duplicate disk id or name");
	memcpy(v.buf, v.copy, v.t.bytes);
	b->id = a->id;
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	CHECK_STR(why, "duplicate disk id or name");
	memcpy(v.buf, v.copy, v.t.bytes);
	b->id = csv_tbl_hdr(&v.t)->next_id;
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	CHECK_STR(why, "disk entry out of range");
	memcpy(v.buf, v.copy, v.t.bytes);

	/* Bad names, too many extents, more bytes than units. */
	b->name[0] = '.';
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	memcpy(v.buf, v.copy, v.t.bytes);
	memset(b->name, 'n', sizeof(b->name));
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	memcpy(v.buf, v.copy, v.t.bytes);
	b->nextents = cpu_to_le32(CSV_MAX_EXTENTS + 1);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	memcpy(v.buf, v.copy, v.t.bytes);
	b->bytes = cpu_to_le64(2 * MIB + 512);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	CHECK_STR(why, "disk larger than its extents");
	b->bytes = cpu_to_le64(2 * MIB - 100);
	csv_tbl_seal(&v.t, 1);
	CHECK_EQ(tbl_check(&why), -EUCLEAN);
	memcpy(v.buf, v.copy, v.t.bytes);
	CHECK_EQ(tbl_check(&why), 0);
}

static void t_nodes(void)
{
	const struct csv_node_slot *s;
	const char *why;
	u8 addr[16] = { 10, 0, 0, 7 };
	u32 i;

	vol_init(10);
	CHECK(!csv_tbl_node_find(&v.t, 3));
	CHECK_EQ(csv_tbl_node_set(&v.t, 3, 7405, 4, addr, 2), 0);
	s = csv_tbl_node_find(&v.t, 3);
	CHECK(s != NULL);
	if (s) {
		CHECK_EQ(le32_to_cpu(s->flags), CSV_NODE_JOINED);
		CHECK_EQ(le16_to_cpu(s->port), 7405);
		CHECK_EQ(le16_to_cpu(s->family), 4);
		CHECK_EQ(le64_to_cpu(s->join_epoch), 2);
		CHECK(!memcmp(s->addr, addr, 16));
	}
	/* Joining again reuses the slot. */
	CHECK_EQ(csv_tbl_node_set(&v.t, 3, 7406, 4, addr, 5), 0);
	CHECK(csv_tbl_node_find(&v.t, 3) == s);
	CHECK_EQ(csv_tbl_node_clear(&v.t, 3), 0);
	CHECK(csv_tbl_node_find(&v.t, 3) == s);
	if (s)
		CHECK_EQ(le32_to_cpu(s->flags), 0);
	CHECK_EQ(csv_tbl_node_clear(&v.t, 4), -ENOENT);
	for (i = 0; i < CSV_MAX_NODES - 1; i++)
		CHECK_EQ(csv_tbl_node_set(&v.t, 100 + i, 1, 4, addr, 1), 0);
	/* Full: a new node takes the slot of one that left (3), then no room. */
	CHECK_EQ(csv_tbl_node_set(&v.t, 99, 1, 4, addr, 1), 0);
	CHECK(csv_tbl_node_find(&v.t, 99) == s);
	CHECK(!csv_tbl_node_find(&v.t, 3));
	CHECK_EQ(csv_tbl_node_set(&v.t, 3, 1, 4, addr, 9), -ENOSPC);
	CHECK_EQ(csv_tbl_node_set(&v.t, 99, 1, 4, addr, 9), 0);
	csv_tbl_seal(&v.t, 3);
	CHECK_EQ(tbl_check(&why), 0);
	CHECK_EQ(le32_to_cpu(csv_tbl_hdr(&v.t)->writer), 3);
}

static void t_disk_map(void)
{
	struct csv_map_ext m[CSV_MAX_EXTENTS];
	u64 id, sectors = 0;
	int n, a;

	vol_init(100);
	CHECK_EQ(csv_tbl_create(&v.t, "a", MIB, &id), 0);
	CHECK_EQ(csv_tbl_create(&v.t, "b", MIB, &id), 0);
	a = csv_tbl_find(&v.t, "a");
	/* a: unit 0, then units 2..3, the last one half used. */
	CHECK_EQ(csv_tbl_resize(&v.t, a, 2 * MIB + MIB / 2, false), 0);
	n = csv_disk_map(&v.t, a, m, CSV_MAX_EXTENTS, &sectors);
	CHECK_EQ(n, 2);
	CHECK_EQ(sectors, (2 * MIB + MIB / 2) / 512);
	CHECK_EQ(m[0].lba, 0);
	CHECK_EQ(m[0].lun, CSV_DATA_START / 512);
	CHECK_EQ(m[0].sectors, 2048);
	CHECK_EQ(m[1].lba, 2048);
	CHECK_EQ(m[1].lun, (CSV_DATA_START + 2 * MIB) / 512);
	CHECK_EQ(m[1].sectors, 3072);	/* cut at the size */
	/* Room for one entry: the map is cut there. */
	n = csv_disk_map(&v.t, a, m, 1, &sectors);
	CHECK_EQ(n, 1);
	CHECK_EQ(sectors, 2048);
	/* The last sector of b. */
	n = csv_disk_map(&v.t, csv_tbl_find(&v.t, "b"), m, CSV_MAX_EXTENTS, &sectors);
	CHECK_EQ(n, 1);
	CHECK_EQ(m[0].lun + m[0].sectors - 1, (CSV_DATA_START + 2 * MIB) / 512 - 1);
	CHECK_EQ(sectors, 2048);
}

/* ---------------------------------------------------------------------- */

static int write_at(int fd, const void *buf, size_t len, off_t off)
{
	return pwrite(fd, buf, len, off) == (ssize_t)len ? 0 : -1;
}

/* A 64 MiB volume "mkvol": copy A generation 4, copy B generation 5. */
static int mkvol(const char *path)
{
	static const u8 a6[16] = { 0xfd, [15] = 2 };
	static const u8 a4[16] = { 10, 0, 0, 1 };
	int fd, ret = 0, a;
	u64 id;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, 64 * MIB)) {
		perror(path);
		return 1;
	}
	memset(&v, 0, sizeof(v));
	csv_sb_init(&v.sb, "mkvol", uuid1, 64 * MIB, 1700000000);
	csv_tbl_bind(&v.t, &v.sb, v.buf, v.scratch);
	csv_tbl_init(&v.t, &v.sb);
	ret |= csv_tbl_create(&v.t, "old", MIB, &id);
	csv_tbl_hdr(&v.t)->generation = cpu_to_le64(4);
	csv_tbl_hdr(&v.t)->epoch = cpu_to_le64(2);
	csv_tbl_seal(&v.t, 1);
	ret |= write_at(fd, &v.sb, sizeof(v.sb), CSV_SB_OFFSET);
	ret |= write_at(fd, v.buf, v.t.bytes, CSV_TBL_OFFSET_A);

	ret |= csv_tbl_rename(&v.t, csv_tbl_find(&v.t, "old"), "vm1");
	ret |= csv_tbl_create(&v.t, "vm2", 3 * MIB + 512, &id);
	a = csv_tbl_find(&v.t, "vm1");
	ret |= csv_tbl_resize(&v.t, a, 3 * MIB, false);
	ret |= csv_tbl_node_set(&v.t, 1, 7405, 4, a4, 1);
	ret |= csv_tbl_node_set(&v.t, 2, 7406, 6, a6, 3);
	ret |= csv_tbl_node_set(&v.t, 3, 7407, 4, a4, 3);
	ret |= csv_tbl_node_clear(&v.t, 3);
	csv_tbl_hdr(&v.t)->generation = cpu_to_le64(5);
	csv_tbl_hdr(&v.t)->epoch = cpu_to_le64(3);
	csv_tbl_seal(&v.t, 2);
	ret |= write_at(fd, v.buf, v.t.bytes, CSV_TBL_OFFSET_B);
	if (close(fd) || ret) {
		fprintf(stderr, "mkvol %s failed\n", path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "mkvol"))
		return mkvol(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: csv_unit [mkvol FILE]\n");
		return 2;
	}
	run("crc32c", t_crc32c);
	run("layout", t_layout);
	run("sb-roundtrip", t_sb_roundtrip);
	run("sb-errors", t_sb_errors);
	run("names", t_names);
	run("tbl-init", t_tbl_init);
	run("create-delete", t_create_delete);
	run("table-full", t_table_full);
	run("grow-in-place", t_grow_in_place);
	run("grow-fragmented", t_grow_fragmented);
	run("enospc", t_enospc);
	run("shrink", t_shrink);
	run("rename", t_rename);
	run("tbl-check", t_tbl_check);
	run("nodes", t_nodes);
	run("disk-map", t_disk_map);
	return check_done();
}
