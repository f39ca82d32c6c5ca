/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VHD 1.0 image format library (Microsoft "Virtual Hard Disk Image Format
 * Specification", 2006), shared by vhd.ko and the userspace tools.
 *
 * The library does no I/O: callers read buffers and pass them in. Every
 * function returns 0 or a negative enum vhd_error; vhd_strerror() gives the
 * reason as a static string and vhd_errno() a negative errno for it.
 * Documentation/vhd-format.rst describes the format as read and written here.
 */
#ifndef VHD_FORMAT_H
#define VHD_FORMAT_H

#include "vhd_platform.h"

#define VHD_SECTOR_SIZE		512U
#define VHD_SECTOR_SHIFT	9

/* Largest virtual size accepted and created: 2040 GiB (as Hyper-V). */
#define VHD_MAX_SIZE		(2040ULL << 30)
#define VHD_MAX_SECTORS		(VHD_MAX_SIZE >> VHD_SECTOR_SHIFT)

/* ---------------------------------------------------------------------- */
/* On-disk layouts (big-endian unless noted). Offsets are fixed by the spec. */

#define VHD_FOOTER_SIZE		512U
#define VHD_FOOTER_OLD_SIZE	511U	/* before Virtual PC 2004 */
#define VHD_DYNHDR_SIZE		1024U
#define VHD_MAX_LOCATORS	8U
#define VHD_PARENT_NAME_SIZE	512U	/* bytes of UTF-16BE */

#define VHD_FOOTER_COOKIE	"conectix"
#define VHD_DYNHDR_COOKIE	"cxsparse"
#define VHD_COOKIE_LEN		8U

#define VHD_FEAT_TEMPORARY	0x00000001U
#define VHD_FEAT_RESERVED	0x00000002U	/* always set */
#define VHD_VERSION		0x00010000U
#define VHD_DYNHDR_VERSION	0x00010000U
#define VHD_NO_OFFSET		0xFFFFFFFFFFFFFFFFULL

#define VHD_TYPE_NONE		0U
/* Spelled exactly as in uapi/linux/vhd.h so both headers can be included. */
#define VHD_TYPE_FIXED		2
#define VHD_TYPE_DYNAMIC	3
#define VHD_TYPE_DIFF		4

/* Creator host OS codes */
#define VHD_OS_WINDOWS		0x5769326BU	/* "Wi2k" */
#define VHD_OS_MAC		0x4D616320U	/* "Mac " */

/* What vhd_footer_init() writes: our own creator application id. */
#define VHD_CREATOR_APP		"lvhd"
#define VHD_CREATOR_VER		0x00010000U
#define VHD_CREATOR_OS		VHD_OS_WINDOWS

/* Parent locator platform codes */
#define VHD_PLAT_NONE		0x00000000U
#define VHD_PLAT_WI2R		0x57693272U	/* "Wi2r" deprecated */
#define VHD_PLAT_WI2K		0x5769326BU	/* "Wi2k" deprecated */
#define VHD_PLAT_W2RU		0x57327275U	/* "W2ru" relative, UTF-16LE */
#define VHD_PLAT_W2KU		0x57326B75U	/* "W2ku" absolute, UTF-16LE */
#define VHD_PLAT_MAC		0x4D616320U	/* "Mac " alias blob */
#define VHD_PLAT_MACX		0x4D616358U	/* "MacX" file URL, UTF-8 */

/* Longest locator payload accepted: a 32767-unit Windows path. */
#define VHD_MAX_LOCATOR_LEN	65536U

#define VHD_BAT_UNUSED		0xFFFFFFFFU
#define VHD_DEFAULT_BLOCK_SIZE	(2U << 20)
#define VHD_MIN_BLOCK_SIZE	VHD_SECTOR_SIZE
#define VHD_MAX_BLOCK_SIZE	(256U << 20)
/* Data of newly allocated blocks is aligned like Windows 10 and blktap do. */
#define VHD_DATA_ALIGN		4096U

/* Seconds from the Unix epoch to the VHD epoch, 2000-01-01 00:00:00 UTC. */
#define VHD_EPOCH_OFFSET	946684800ULL

/* Largest CHS the spec's algorithm yields: 65535 x 16 x 255. */
#define VHD_MAX_CHS_SECTORS	(65535ULL * 16 * 255)

struct vhd_disk_geometry {
	__be16 cylinders;
	u8 heads;
	u8 sectors;
} __packed;

struct vhd_disk_footer {
	char cookie[8];			/*   0 "conectix" */
	__be32 features;		/*   8 */
	__be32 version;			/*  12 */
	__be64 data_offset;		/*  16 dynamic header, or ~0 */
	__be32 timestamp;		/*  24 seconds since 2000 */
	u8 creator_app[4];		/*  28 */
	__be32 creator_ver;		/*  32 */
	__be32 creator_os;		/*  36 */
	__be64 orig_size;		/*  40 */
	__be64 cur_size;		/*  48 */
	struct vhd_disk_geometry geometry; /* 56 */
	__be32 disk_type;		/*  60 */
	__be32 checksum;		/*  64 */
	u8 uuid[16];			/*  68 */
	u8 saved_state;			/*  84 */
	u8 reserved[427];		/*  85 blktap: hidden flag */
} __packed;

struct vhd_disk_locator {
	__be32 code;			/*   0 platform code */
	__be32 data_space;		/*   4 sectors per spec, bytes in practice */
	__be32 data_length;		/*   8 bytes */
	__be32 reserved;		/*  12 */
	__be64 data_offset;		/*  16 bytes */
} __packed;

struct vhd_disk_dynhdr {
	char cookie[8];			/*   0 "cxsparse" */
	__be64 data_offset;		/*   8 ~0 */
	__be64 table_offset;		/*  16 BAT */
	__be32 version;			/*  24 */
	__be32 max_table_entries;	/*  28 */
	__be32 block_size;		/*  32 */
	__be32 checksum;		/*  36 */
	u8 parent_uuid[16];		/*  40 */
	__be32 parent_timestamp;	/*  56 */
	__be32 reserved1;		/*  60 */
	u8 parent_name[512];		/*  64 UTF-16BE */
	struct vhd_disk_locator loc[8];	/* 576 */
	u8 reserved2[256];		/* 768 */
} __packed;

/* ---------------------------------------------------------------------- */
/* Errors */

enum vhd_error {
	VHD_OK = 0,
	VHD_E_INVAL,		/* bad argument from the caller */
	VHD_E_NOMEM,
	VHD_E_TRUNCATED,	/* file too small for its metadata */
	VHD_E_COOKIE,		/* footer cookie is not "conectix" */
	VHD_E_CHECKSUM,		/* footer checksum mismatch */
	VHD_E_VERSION,		/* unsupported footer format version */
	VHD_E_DISK_TYPE,	/* disk type not fixed/dynamic/differencing */
	VHD_E_SIZE_ALIGN,	/* virtual size not a multiple of 512 */
	VHD_E_TOO_BIG,		/* virtual size above 2040 GiB */
	VHD_E_DATA_OFFSET,	/* footer data offset invalid for the type */
	VHD_E_FIXED_SHORT,	/* fixed image shorter than its size */
	VHD_E_GEOMETRY,		/* CHS-derived size unusable (zero) */
	VHD_E_DYN_COOKIE,	/* dynamic header cookie is not "cxsparse" */
	VHD_E_DYN_CHECKSUM,	/* dynamic header checksum mismatch */
	VHD_E_DYN_VERSION,	/* unsupported dynamic header version */
	VHD_E_DYN_OFFSET,	/* dynamic header data offset not ~0 */
	VHD_E_BLOCK_SIZE,	/* block size not a power of two in range */
	VHD_E_BAT_ENTRIES,	/* max table entries absurd for any size */
	VHD_E_BAT_SHORT,	/* BAT too short for the virtual size */
	VHD_E_BAT_OFFSET,	/* BAT outside the file or over metadata */
	VHD_E_BLOCK_EOF,	/* BAT entry points past the end of file */
	VHD_E_BLOCK_OVERLAP,	/* two blocks overlap */
	VHD_E_BLOCK_META,	/* a block overlaps metadata */
	VHD_E_LOCATOR,		/* parent locator past EOF or malformed */
	VHD_E_UTF16,		/* invalid UTF-16 in a name or locator */
	VHD_E_UTF8,		/* invalid UTF-8 given to an encoder */
	VHD_E_NAME_TOO_LONG,	/* name or path does not fit */
	VHD_E_NO_PARENT,	/* differencing disk whose parent is absent */
	VHD_E_PARENT_UUID,	/* parent unique id differs from the link */
	VHD_E_CHAIN_LOOP,	/* chain refers back to one of its layers */
	VHD_E_CHAIN_DEPTH,	/* chain deeper than allowed */
	VHD_E_NOT_DIFF,		/* operation needs a differencing disk */
	VHD_E_RANGE,		/* sector or bit range outside the block */
	VHD_E_FULL,		/* no room: offset beyond 2^32 sectors */
	VHD_E_FOOTER_COPY,	/* footer copy at offset 0 differs */
	VHD_E_MAX
};

/* Static reason string; accepts err or -err. */
const char *vhd_strerror(int err);
/* "fixed", "dynamic", "differencing" or "unknown" for a footer disk type. */
const char *vhd_type_name(u32 disk_type);
/* Negative errno for a (negative) vhd error, 0 for 0. */
int vhd_errno(int err);

/* Warning flags, collected in struct vhd_footer/vhd_dynhdr .warn */
#define VHD_W_OLD_FOOTER	0x0001U	/* 511-byte footer */
#define VHD_W_HIDDEN		0x0002U	/* blktap hidden byte set */
#define VHD_W_RESERVED		0x0004U	/* non-zero reserved bytes */
#define VHD_W_FEATURES		0x0008U	/* reserved feature bit clear */
#define VHD_W_SAVED_STATE	0x0010U	/* saved-state byte set */
#define VHD_W_CHS_SIZE		0x0020U	/* virtual size from CHS */
#define VHD_W_PARENT_TIME	0x0040U	/* parent timestamp mismatch */
#define VHD_W_LOC_SECTORS	0x0080U	/* locator data space in sectors */
#define VHD_W_LOC_UNKNOWN	0x0100U	/* unknown locator platform code */
#define VHD_W_GEOMETRY		0x0200U	/* CHS does not match our rule */
#define VHD_W_TEMPORARY		0x0400U	/* temporary feature bit set */

/* ---------------------------------------------------------------------- */
/* Geometry and checksum (geometry.c, checksum.c) */

struct vhd_chs {
	u16 cylinders;
	u8 heads;
	u8 sectors;
};

/* CHS for a size in bytes, by the spec's algorithm (appendix). */
void vhd_chs_from_size(u64 size, struct vhd_chs *chs);
/* Bytes addressed by a CHS triple. */
u64 vhd_chs_size(const struct vhd_chs *chs);
/* Ones' complement of the byte sum, the 4 bytes at csum_off counted as 0. */
u32 vhd_checksum(const void *buf, size_t len, size_t csum_off);

/* ---------------------------------------------------------------------- */
/* Footer (footer.c) */

/* Size rule: QEMU's by default, or forced either way. */
#define VHD_SIZE_AUTO		0U
#define VHD_SIZE_CURRENT	1U	/* always current_size */
#define VHD_SIZE_CHS		2U	/* always the CHS product */

struct vhd_footer {
	u32 features;
	u32 version;
	u64 data_offset;
	u32 timestamp;
	u8 creator_app[4];
	u32 creator_ver;
	u32 creator_os;
	u64 orig_size;
	u64 cur_size;
	struct vhd_chs chs;
	u32 disk_type;
	u32 checksum;		/* as stored */
	u8 uuid[16];
	u8 saved_state;
	u8 hidden;		/* byte 85, blktap */
	/* derived by vhd_footer_decode() */
	u32 footer_len;		/* 512, or 511 for old images */
	u64 virtual_size;	/* bytes exposed, after the size rule */
	u32 warn;		/* VHD_W_* */
};

/*
 * Decode and validate a footer. @buf holds @len bytes: 512 read at the
 * footer's offset, or the last 512 bytes of the file, in which case an old
 * 511-byte footer starting at buf + 1 is recognised too (footer_len = 511);
 * @len = 511 decodes an old footer directly. @file_size bounds the data
 * offset and a fixed disk's data. @size_rule is VHD_SIZE_*. On error the
 * fields decoded so far stay filled (repair uses them).
 */
int vhd_footer_decode(struct vhd_footer *f, const void *buf, size_t len,
		      u64 file_size, u32 size_rule);
/*
 * The trailing footer failed to decode with @err; @copy holds the 512 bytes
 * at offset 0. When the footer is missing (cookie) but the copy is a valid
 * dynamic/differencing footer, the file lost its end: -VHD_E_TRUNCATED.
 * Otherwise @err unchanged.
 */
int vhd_footer_lost(int err, const void *copy, u64 file_size);
/* Virtual size under a rule (pure; decode stores it in virtual_size). */
u64 vhd_footer_size(const struct vhd_footer *f, u32 size_rule);
/* Encode 512 bytes with a fresh checksum; f->checksum is ignored. */
void vhd_footer_encode(const struct vhd_footer *f, void *buf);
/* New virtual size: current and original size, CHS geometry. */
void vhd_footer_set_size(struct vhd_footer *f, u64 size);
/* Fill a footer for a new disk of @size bytes (MiB rounding is the caller's). */
int vhd_footer_init(struct vhd_footer *f, u32 disk_type, u64 size,
		    u32 timestamp, const u8 uuid[16]);
/* Dynamic and differencing disks have a header, a BAT and blocks. */
static inline bool vhd_is_sparse(const struct vhd_footer *f)
{
	return f->disk_type == VHD_TYPE_DYNAMIC ||
	       f->disk_type == VHD_TYPE_DIFF;
}

/* Unix seconds <-> VHD timestamps (clamped to the u32 range). */
u32 vhd_time_from_unix(u64 unix_secs);
u64 vhd_time_to_unix(u32 vhd_secs);

/* ---------------------------------------------------------------------- */
/* Dynamic header and parent locators (dynhdr.c, locator.c) */

struct vhd_locator {
	u32 code;		/* VHD_PLAT_* */
	u32 data_space;		/* as stored */
	u32 data_length;	/* bytes */
	u64 data_offset;	/* bytes */
	u32 space_bytes;	/* data_space normalised to bytes */
};

struct vhd_dynhdr {
	u64 data_offset;
	u64 table_offset;
	u32 version;
	u32 max_table_entries;
	u32 block_size;
	u32 checksum;		/* as stored */
	u8 parent_uuid[16];
	u32 parent_timestamp;
	u8 parent_name[VHD_PARENT_NAME_SIZE];	/* raw UTF-16BE */
	struct vhd_locator loc[VHD_MAX_LOCATORS];
	/* derived by vhd_dynhdr_decode() */
	u32 bitmap_size;	/* bytes, padded to a sector */
	u32 block_sectors;	/* data sectors per block */
	u32 block_shift;	/* log2(block_size) */
	u32 bat_bytes;		/* entries * 4 rounded up to a sector */
	u32 warn;		/* VHD_W_* */
};

/*
 * Decode and validate a 1024-byte dynamic header for the disk described by
 * @f (already decoded) in a file of @file_size bytes: cookie, checksum,
 * version, block size, table entries against the virtual size and the
 * 2040 GiB limit, BAT inside the file and off the header, and for
 * differencing disks the parent locators' bounds.
 */
int vhd_dynhdr_decode(struct vhd_dynhdr *h, const void *buf,
		      const struct vhd_footer *f, u64 file_size);
/* Encode 1024 bytes with a fresh checksum; h->checksum is ignored. */
void vhd_dynhdr_encode(const struct vhd_dynhdr *h, void *buf);
/* Fill a header for a new disk (no parent); table_offset set by caller. */
int vhd_dynhdr_init(struct vhd_dynhdr *h, u64 size, u32 block_size,
		    u64 table_offset);
/* Fill derived fields from block_size/max_table_entries. */
int vhd_dynhdr_derive(struct vhd_dynhdr *h);

/*
 * Child -> parent link: the child's parent UUID must equal the parent
 * footer's unique id (VHD_E_PARENT_UUID); a timestamp mismatch only sets
 * VHD_W_PARENT_TIME in *@warn (Windows 10 writes 0 there).
 */
int vhd_parent_check(const struct vhd_dynhdr *child,
		     const struct vhd_footer *parent, u32 *warn);

/* Parent name (UTF-16BE, NUL-padded) <-> UTF-8 (NUL-terminated). */
int vhd_parent_name_get(const struct vhd_dynhdr *h, char *out, size_t outsz);
int vhd_parent_name_set(struct vhd_dynhdr *h, const char *utf8);

/*
 * Locator payload -> UTF-8 path in @out (NUL-terminated). W2ku/W2ru are
 * UTF-16LE Windows paths (kept with backslashes); MacX is a UTF-8 URL,
 * returned as stored. @data holds loc->data_length bytes.
 */
int vhd_locator_decode(const struct vhd_locator *loc, const void *data,
		       char *out, size_t outsz);
/*
 * UTF-8 path -> payload for @code in @out (@outsz bytes); *@len gets the
 * payload length. No terminator is written (as Windows does).
 */
int vhd_locator_encode(u32 code, const char *utf8, void *out, size_t outsz,
		       u32 *len);
/* Byte range a locator's payload occupies, rounded up to a sector. */
u64 vhd_locator_end(const struct vhd_locator *loc);

/* UTF-16 (either endianness) <-> UTF-8, strict (no lone surrogates). */
int vhd_utf16_to_utf8(const u8 *in, size_t inlen, bool big_endian,
		      char *out, size_t outsz, size_t *outlen);
int vhd_utf8_to_utf16(const char *in, size_t inlen, bool big_endian,
		      u8 *out, size_t outsz, size_t *outlen);
/* Strict UTF-8 check (no overlong forms, surrogates or NUL). */
int vhd_utf8_check(const char *in, size_t inlen);

/* ---------------------------------------------------------------------- */
/* Block allocation table (bat.c) */

static inline u32 vhd_bat_get(const void *bat, u32 i)
{
	return vhd_get_be32((const u8 *)bat + 4 * (size_t)i);
}

static inline void vhd_bat_set(void *bat, u32 i, u32 sector)
{
	vhd_put_be32((u8 *)bat + 4 * (size_t)i, sector);
}

/* Byte offset of block @sector's bitmap and of its data. */
static inline u64 vhd_block_bitmap_off(u32 sector)
{
	return (u64)sector << VHD_SECTOR_SHIFT;
}

static inline u64 vhd_block_data_off(const struct vhd_dynhdr *h, u32 sector)
{
	return ((u64)sector << VHD_SECTOR_SHIFT) + h->bitmap_size;
}

struct vhd_bat_stats {
	u32 allocated;		/* entries != VHD_BAT_UNUSED */
	u32 bad_index;		/* first offending entry, when failing */
	u32 other_index;	/* the block it overlaps, or ~0 */
	u64 meta_end;		/* end of the highest metadata region */
	u64 data_end;		/* end of metadata and blocks: next alloc */
	u64 footer_off;		/* where the trailing footer sits */
	u32 errors;		/* number of bad entries found */
};

/*
 * Validate the raw BAT (@bat: max_table_entries big-endian u32s as read
 * from disk) of a dynamic/differencing disk: every allocated block
 * (bitmap + data) inside the file before the footer, off the metadata
 * (footer copy, header, BAT, locator payloads) and off every other block.
 * Sorting makes it O(n log n); needs n * 4 bytes of temporary memory.
 * @st (optional) gets counts and the first offender.
 */
int vhd_bat_validate(const struct vhd_footer *f, const struct vhd_dynhdr *h,
		     u64 file_size, const void *bat, struct vhd_bat_stats *st);

struct vhd_bat_problem {
	int err;		/* -VHD_E_BLOCK_* */
	u32 index;		/* BAT entry */
	u32 other;		/* overlapped entry, or ~0 */
};

/*
 * Same, also listing up to *@nprobs problems in @probs (for fsck-like
 * tools); *@nprobs gets the number listed.
 */
int vhd_bat_validate_report(const struct vhd_footer *f,
			    const struct vhd_dynhdr *h, u64 file_size,
			    const void *bat, struct vhd_bat_stats *st,
			    struct vhd_bat_problem *probs, u32 *nprobs);

/* BAT index and in-block sector of a virtual sector. */
static inline u32 vhd_bat_index(const struct vhd_dynhdr *h, u64 sector)
{
	return (u32)(sector >> (h->block_shift - VHD_SECTOR_SHIFT));
}

static inline u32 vhd_block_sector(const struct vhd_dynhdr *h, u64 sector)
{
	return (u32)sector & (h->block_sectors - 1);
}

/* ---------------------------------------------------------------------- */
/* Sector bitmaps (bitmap.c): bit n = sector n of the block, MSB first. */

bool vhd_bitmap_test(const u8 *bm, u32 bit);
/*
 * Length of the run of equal bits starting at @start, at most @end - start;
 * *@set gets the run's value. Returns 0 when start >= end.
 */
u32 vhd_bitmap_run(const u8 *bm, u32 start, u32 end, bool *set);
void vhd_bitmap_set_range(u8 *bm, u32 start, u32 count);
void vhd_bitmap_clear_range(u8 *bm, u32 start, u32 count);
/* True when every bit in [start, start + count) equals @value. */
bool vhd_bitmap_all(const u8 *bm, u32 start, u32 count, bool value);

/* ---------------------------------------------------------------------- */
/* Allocation planning (alloc.c) */

struct vhd_alloc_plan {
	u32 bat_sector;		/* BAT entry value of the new block */
	u64 bitmap_off;		/* bytes */
	u64 data_off;		/* bytes, VHD_DATA_ALIGN-aligned */
	u64 new_end;		/* end of the block: new footer offset */
};

/*
 * Place the next block at or after @data_end (end of all metadata and
 * blocks, i.e. where the footer currently sits) with its data aligned to
 * VHD_DATA_ALIGN. VHD_E_FULL when the BAT cannot address it.
 */
int vhd_alloc_plan(const struct vhd_dynhdr *h, u64 data_end,
		   struct vhd_alloc_plan *p);

/* ---------------------------------------------------------------------- */
/* Creation layout (create.c) */

struct vhd_create_layout {
	u64 header_off;		/* dynamic header (512) */
	u64 bat_off;		/* BAT (1536) */
	u32 bat_bytes;		/* sector-rounded */
	u32 nr_loc;		/* locators placed */
	u64 loc_off[VHD_MAX_LOCATORS];
	u32 loc_space[VHD_MAX_LOCATORS];	/* bytes reserved */
	u64 data_end;		/* first block / trailing footer offset */
	u64 file_size;		/* data_end + 512 */
};

/*
 * Lay out a new dynamic or differencing disk: footer copy at 0, header at
 * 512, BAT at 1536, then @nr_loc locator payloads of @loc_len bytes each
 * (each reserved sector-rounded), data_end aligned so block data is
 * VHD_DATA_ALIGN-aligned. Also fills h->table_offset and the locators'
 * offsets/space in @h (codes and lengths must be set by the caller).
 */
int vhd_create_layout(struct vhd_dynhdr *h, u32 nr_loc,
		      struct vhd_create_layout *l);

/* Round a requested size to what we create: whole MiB, <= VHD_MAX_SIZE. */
int vhd_create_size(u64 requested, u64 *size);

/* ---------------------------------------------------------------------- */
/* Resize and compaction planning (resize.c) */

/* BAT entries and sector-rounded BAT bytes for a disk of @new_size bytes. */
int vhd_resize_entries(const struct vhd_dynhdr *h, u64 new_size,
		       u32 *entries, u32 *bat_bytes);
/*
 * Growing the BAT in place to end at @bat_end: the allocated block lying
 * lowest in [table_offset, bat_end), to be moved to the end of data first,
 * or VHD_BAT_UNUSED when none is in the way.
 */
u32 vhd_resize_block_conflict(const struct vhd_dynhdr *h, const void *bat,
			      u64 bat_end);
/* Same for parent locator payloads: a locator index, or -1. */
int vhd_resize_loc_conflict(const struct vhd_footer *f,
			    const struct vhd_dynhdr *h, u64 bat_end);
/*
 * Compaction fills a free block slot at @hole_sector with the block that
 * lies highest in the file above it: its BAT index, or VHD_BAT_UNUSED when
 * no block lies above the hole (nothing left to move).
 */
u32 vhd_compact_next_move(const struct vhd_dynhdr *h, const void *bat,
			  u32 hole_sector);
/*
 * Free slots between @meta_end and the highest block where a block fits
 * (data VHD_DATA_ALIGN-aligned), lowest first: up to @max BAT sector
 * values in @holes, *@nholes of them. Needs 4 bytes per BAT entry.
 */
int vhd_compact_holes(const struct vhd_dynhdr *h, const void *bat,
		      u64 meta_end, u32 *holes, u32 max, u32 *nholes);

#endif /* VHD_FORMAT_H */
