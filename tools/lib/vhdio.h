/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace image I/O on top of the format library: open and validate an
 * image file, resolve its differencing chain, read virtual sectors through
 * the chain. Shared by the tools.
 *
 * Errors: functions return 0 or a negative code. -1..-(VHD_E_MAX-1) are
 * enum vhd_error values; below -VHDIO_ERRNO_BASE it is -(base + errno).
 * vhdio_strerror() handles both.
 */
#ifndef VHDIO_H
#define VHDIO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vhd_format.h"

#define VHDIO_ERRNO_BASE	1000
#define VHDIO_MAX_DEPTH		16

static inline int vhdio_sys(int err)
{
	return -(VHDIO_ERRNO_BASE + err);
}

const char *vhdio_strerror(int ret);
/* errno equivalent of a vhdio return value (positive). */
int vhdio_errno(int ret);

struct vhd_image {
	int fd;
	char *path;
	u64 file_size;
	dev_t dev;
	ino_t ino;
	struct vhd_footer footer;	/* the trailing footer (or the copy) */
	bool footer_from_copy;		/* trailing footer bad, copy used */
	struct vhd_dynhdr hdr;		/* sparse disks */
	u8 *bat;			/* raw big-endian BAT */
	struct vhd_bat_stats stats;
	struct vhd_image *parent;	/* differencing chain */
	u32 warn;			/* VHD_W_* of footer, header, link */
	/* one-block bitmap cache for reads */
	u8 *bm;
	u32 bm_block;
	bool bm_valid;
};

/* open flags */
#define VHDIO_RDWR		0x1	/* open read-write */
#define VHDIO_NO_CHAIN		0x2	/* do not open parents */
#define VHDIO_COPY_FOOTER	0x4	/* accept the copy at 0 if footer bad */
#define VHDIO_KEEP_PARTIAL	0x8	/* chain error: keep the layers opened */

/*
 * Open @path and validate it fully (footer, header, BAT). With a
 * differencing disk, resolve and open the chain unless VHDIO_NO_CHAIN.
 * @size_rule is VHD_SIZE_*. On failure *@where (if given) is set to the
 * path of the layer that failed (static storage inside the image set, or
 * NULL), valid until the next call. With VHDIO_KEEP_PARTIAL a failure
 * past the top image still sets *@out to the layers opened so far.
 */
int vhd_image_open(struct vhd_image **out, const char *path, int flags,
		   u32 size_rule, const char **where);
void vhd_image_close(struct vhd_image *img);

/*
 * Find the parent of @img: W2ru relative to the child's folder, MacX,
 * W2ku, then the parent name. Writes the first candidate that exists and
 * whose unique id matches into @out. -VHD_E_NO_PARENT when none exists,
 * -VHD_E_PARENT_UUID when only mismatching candidates exist.
 */
int vhd_parent_find(const struct vhd_image *img, char *out, size_t outsz);

/* Read @len bytes at @off of the virtual disk (both sector-aligned). */
int vhd_image_read(struct vhd_image *img, void *buf, u64 off, size_t len);

/* Is block @idx allocated in this layer? */
bool vhd_image_block_allocated(const struct vhd_image *img, u32 idx);

/* Full pread/pwrite, returning 0 or vhdio_sys(errno) (short read = EIO). */
int vhdio_pread(int fd, void *buf, size_t len, u64 off);
int vhdio_pwrite(int fd, const void *buf, size_t len, u64 off);
/*
 * ftruncate/fsync returning 0 or vhdio_sys(errno). pwrite and ftruncate
 * obey the crash-test knob VHD_FAIL_AFTER_WRITES=N (the Nth write and all
 * later ones fail with EIO).
 */
int vhdio_ftruncate(int fd, u64 size);
int vhdio_fsync(int fd);

/* Chain depth (1 for a non-differencing image). */
int vhd_image_depth(const struct vhd_image *img);

/* Format a UUID as text (36 chars + NUL), bytes in on-disk order. */
void vhdio_uuid_str(const u8 uuid[16], char out[37]);

/* Read a locator payload of @img into @out as UTF-8. */
int vhd_image_locator(const struct vhd_image *img, u32 i, char *out,
		      size_t outsz);

#endif
