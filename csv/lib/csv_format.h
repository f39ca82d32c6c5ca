/* SPDX-License-Identifier: GPL-2.0 */
/*
 * On-disk format of a cluster shared volume, shared by csv.ko and csvctl
 * (the way xfsprogs shares libxfs). Everything is little endian.
 *
 * Layout of the shared LUN:
 *
 *   0        superblock (written once, by csvctl format)
 *   64 KiB   disk table, copy A
 *   128 KiB  disk table, copy B
 *   1 MiB    data: allocation units of 1 MiB, handed to virtual disks as
 *            extents
 *
 * The coordinator writes a new table into the copy that does not hold the
 * current one, with a higher generation, and flushes it (FUA); a reader
 * takes the valid copy of the highest generation. A torn write fails its
 * checksum, so a crash leaves either the old or the new table.
 */
#ifndef CSV_FORMAT_H
#define CSV_FORMAT_H

#include "csv_platform.h"

#define CSV_SB_MAGIC		"CSVVOL\r\n"
#define CSV_TBL_MAGIC		"CSVTBL\r\n"
#define CSV_VERSION		1

#define CSV_SB_OFFSET		0ULL
#define CSV_SB_BYTES		4096
#define CSV_TBL_OFFSET_A	(64ULL << 10)
#define CSV_TBL_OFFSET_B	(128ULL << 10)
#define CSV_TBL_ROOM		(64U << 10)	/* most a table may take */
#define CSV_DATA_START		0x100000ULL	/* 1 MiB */
#define CSV_ALLOC_SHIFT		20		/* 1 MiB units */

#define CSV_MAX_DISKS		128
#define CSV_MAX_NODES		32
#define CSV_MAX_EXTENTS		8		/* per disk */

#define CSV_NAME_LEN		32		/* volume name, with the NUL */
#define CSV_DNAME_LEN		48		/* disk name, with the NUL */

/* No feature flags are defined in version 1. */
#define CSV_FEAT_INCOMPAT_SUPP	0U
#define CSV_FEAT_RO_COMPAT_SUPP	0U

struct csv_sb {
	u8 magic[8];
	__le32 version;
	__le32 sb_bytes;		/* sizeof(struct csv_sb) */
	__le32 feat_compat;
	__le32 feat_incompat;		/* unknown bit: refuse to mount */
	__le32 feat_ro_compat;		/* unknown bit: mount read-only */
	__le32 alloc_shift;
	u8 uuid[16];
	char name[CSV_NAME_LEN];
	__le64 lun_bytes;		/* the LUN's size at format time */
	__le64 data_start;		/* byte offset of allocation unit 0 */
	__le64 data_units;		/* allocation units in the data area */
	__le64 tbl_offset[2];
	__le32 tbl_bytes;		/* size of one table copy */
	__le32 max_disks;
	__le32 max_nodes;
	__le32 max_extents;
	__le64 format_time;		/* seconds since the epoch */
	u8 reserved[104];
	__le32 pad;
	__le32 crc;			/* crc32c of sb_bytes, this field 0 */
};

struct csv_tbl_hdr {
	u8 magic[8];
	__le64 generation;		/* +1 on every update */
	__le64 epoch;			/* highest coordinator epoch so far */
	__le64 next_id;			/* ids are never reused */
	u8 uuid[16];			/* the superblock's */
	__le32 writer;			/* node id of the coordinator */
	__le32 tbl_bytes;
	__le16 ndisks;
	__le16 flags;			/* CSV_TBL_* */
	__le32 crc;			/* crc32c of tbl_bytes, this field 0 */
};

/* Every node sends its I/O through the coordinator (csvctl redirect -v). */
#define CSV_TBL_REDIRECTED	0x1U
#define CSV_TBL_FLAGS_ALL	0x1U

#define CSV_NODE_JOINED		0x1U

struct csv_node_slot {
	__le32 nodeid;			/* 0: free */
	__le32 flags;			/* CSV_NODE_* */
	__le16 port;
	__le16 family;			/* 4 or 6 */
	__le32 last_req;		/* its last request done, see meta.c */
	u8 addr[16];
	__le64 join_epoch;		/* epoch of its last join */
};

struct csv_extent {
	__le64 start;			/* first allocation unit */
	__le64 units;
};

struct csv_disk_ent {
	__le64 id;			/* 0: free entry */
	__le64 bytes;
	__le32 flags;			/* none yet */
	__le32 nextents;
	char name[CSV_DNAME_LEN];
	struct csv_extent ext[CSV_MAX_EXTENTS];
};

/* A table in memory: one buffer of sb->tbl_bytes bytes. */
struct csv_table {
	void *buf;
	u32 bytes;
	u32 max_nodes;
	u32 max_disks;
	u32 max_extents;
	u32 alloc_shift;
	u64 data_start;
	u64 data_units;
	void *scratch;			/* CSV_SCRATCH_BYTES, for the edits */
};

#define CSV_SCRATCH_BYTES	(CSV_MAX_DISKS * CSV_MAX_EXTENTS * 16)

/* One unit range a disk maps, in 512-byte sectors of the LUN. */
struct csv_map_ext {
	u64 lba;			/* first sector of the disk it maps */
	u64 lun;			/* matching sector of the LUN */
	u64 sectors;
};

u32 csv_crc32c_buf(const void *buf, size_t len, size_t crc_off);
u32 csv_tbl_bytes(u32 max_nodes, u32 max_disks);

void csv_sb_init(struct csv_sb *sb, const char *name, const u8 uuid[16],
		 u64 lun_bytes, u64 now);
int csv_sb_check(const struct csv_sb *sb, u64 lun_bytes, const char **why);
void csv_sb_seal(struct csv_sb *sb);

void csv_tbl_bind(struct csv_table *t, const struct csv_sb *sb, void *buf,
		  void *scratch);
struct csv_tbl_hdr *csv_tbl_hdr(const struct csv_table *t);
struct csv_node_slot *csv_tbl_node(const struct csv_table *t, u32 i);
struct csv_disk_ent *csv_tbl_disk(const struct csv_table *t, u32 i);
void csv_tbl_init(struct csv_table *t, const struct csv_sb *sb);
int csv_tbl_check(const struct csv_table *t, const struct csv_sb *sb,
		  const char **why);
void csv_tbl_seal(struct csv_table *t, u32 writer);

int csv_name_check(const char *name, size_t room);
int csv_tbl_find(const struct csv_table *t, const char *name);
int csv_tbl_find_id(const struct csv_table *t, u64 id);
u64 csv_tbl_free_units(const struct csv_table *t);
u32 csv_tbl_count(const struct csv_table *t);
int csv_tbl_create(struct csv_table *t, const char *name, u64 bytes, u64 *id);
int csv_tbl_delete(struct csv_table *t, int idx);
int csv_tbl_resize(struct csv_table *t, int idx, u64 bytes, bool shrink);
int csv_tbl_rename(struct csv_table *t, int idx, const char *name);
int csv_tbl_node_set(struct csv_table *t, u32 nodeid, u16 port, u16 family,
		     const u8 addr[16], u64 epoch);
int csv_tbl_node_clear(struct csv_table *t, u32 nodeid);
const struct csv_node_slot *csv_tbl_node_find(const struct csv_table *t,
					      u32 nodeid);
int csv_disk_map(const struct csv_table *t, int idx, struct csv_map_ext *map,
		 u32 room, u64 *sectors);

#endif /* CSV_FORMAT_H */
