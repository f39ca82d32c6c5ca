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

/* The image and its ancestors, opened; fds[0] is the image. */
struct vhd_chain {
	int nr;
	int fds[VHD_CHAIN_MAX];
	char *paths[VHD_CHAIN_MAX];
	/* Library reason when the top image did not decode (kernel decides). */
	const char *top_error;
};

/*
 * Open @file (read-write unless *@read_only; on EROFS/EACCES it falls back
 * to read-only with a warning and sets *@read_only) and its parents
 * read-only, each child -> parent link checked. Parents are searched for
 * relative to the child's folder (W2ru, MacX), then by absolute path
 * (W2ku, MacX), then by the parent name in the child's folder. Prints the
 * reason and returns non-zero on failure.
 */
int vhd_chain_open(const char *file, bool *read_only, struct vhd_chain *c);
void vhd_chain_close(struct vhd_chain *c);

#endif
