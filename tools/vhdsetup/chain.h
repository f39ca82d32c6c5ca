/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Opening an image and its parent chain. Kept apart from vhdsetup.h
 * because the format library and linux/vhd.h both name the disk types.
 */
#ifndef VHDSETUP_CHAIN_H
#define VHDSETUP_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

/* Same as VHD_MAX_DEPTH of linux/vhd.h (checked in attach.c). */
#define VHD_CHAIN_MAX	16

struct vhd_image;

/* The image and its ancestors, opened; fds[0] is the image. */
struct vhd_chain {
	int nr;
	int fds[VHD_CHAIN_MAX];
	const char *paths[VHD_CHAIN_MAX];
	/* Library reason when the top image did not decode (kernel decides). */
	const char *top_error;
	struct vhd_image *img;	/* tools/lib's chain, owns the fds */
	int own_fd;		/* top image opened here when img is NULL */
};

/*
 * Open @file (read-write unless *@read_only; on EROFS/EACCES it falls back
 * to read-only with a warning and sets *@read_only) and its parents
 * read-only through tools/lib (vhd_image_open: locators W2ru, MacX, W2ku,
 * then the parent name), each child -> parent link checked. A top image
 * that does not decode is still opened, with @top_error set, so that the
 * kernel's errno is what the user sees. Prints the reason and returns
 * non-zero on failure.
 */
int vhd_chain_open(const char *file, bool *read_only, struct vhd_chain *c);
void vhd_chain_close(struct vhd_chain *c);

#endif
