/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing new images: the metadata our tool creates, then blocks, then the
 * footer. Used by `vhd create` and `vhd convert`.
 */
#ifndef VHD_WRITER_H
#define VHD_WRITER_H

#include "vhdio.h"

struct vhd_writer {
	int fd;
	struct vhd_footer f;
	struct vhd_dynhdr h;
	struct vhd_create_layout l;
	u8 *bat;		/* raw big-endian */
	u8 *bitmap;		/* all sectors present */
	u64 data_end;
};

/*
 * Start a new image in @fd (@path names it, for relative locators): fixed,
 * dynamic, or differencing on @parent (size and block size from it when
 * @size / @block_size are 0). Writes all metadata of a sparse image, so it
 * is valid and empty on return.
 */
int vhd_writer_start(struct vhd_writer *w, int fd, const char *path,
		     u32 type, u64 size, u32 block_size,
		     const struct vhd_image *parent);
/* Allocate block @idx and write its bitmap (all set) and @data. */
int vhd_writer_block(struct vhd_writer *w, u32 idx, const void *data);
/* Write the BAT and the footers; the file ends with the footer. */
int vhd_writer_finish(struct vhd_writer *w);
void vhd_writer_free(struct vhd_writer *w);

/* Relative path from folder @from_dir to @to (both absolute). */
int vhd_relpath(const char *from_dir, const char *to, char *out,
		size_t outsz);

#endif
