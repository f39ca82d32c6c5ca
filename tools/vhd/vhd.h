/* SPDX-License-Identifier: GPL-2.0 */
/* The offline `vhd` tool: subcommands and shared helpers. */
#ifndef VHD_TOOL_H
#define VHD_TOOL_H

#include <stdbool.h>
#include <stdio.h>

#include "progmsg.h"
#include "vhdio.h"

int cmd_create(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_resize(int argc, char **argv);
int cmd_compact(int argc, char **argv);
int cmd_set_uuid(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_discard_snapshot(int argc, char **argv);

/*
 * In-place edits (edit.c). Every helper that changes metadata ends with an
 * fsync; see "Offline operations" in Documentation/vhd.rst for the order.
 */
/* Opens with a message on failure; refuses to write an attached image. */
int ed_open(struct vhd_image **img, const char *path, int flags);
/* Is @path an image (top or parent) of an attached /dev/vhdN? */
int ed_attached(const char *path, char *dev, size_t devsz);
int ed_sync(struct vhd_image *img);		/* fsync, refresh file_size */
int ed_footer_at(struct vhd_image *img, u64 off);	/* no sync */
int ed_footers(struct vhd_image *img);	/* trailing, sync, copy, sync */
int ed_header(struct vhd_image *img);
int ed_bat(struct vhd_image *img);		/* whole BAT, sync */
int ed_stats(struct vhd_image *img);		/* img->stats from the BAT */
int ed_trim(struct vhd_image *img);		/* footer to end of data */
int ed_extend(struct vhd_image *img, u64 end);	/* footer at end if later */
int ed_copy(struct vhd_image *img, u64 from, u64 to, u64 len);
void ed_set_size(struct vhd_image *img, u64 size);

/* "10G", "512M", "4096", "1.5"-free: integer with K/M/G/T (binary). */
int parse_size(const char *s, u64 *out);
/* --size-rule=auto|current|chs */
int parse_size_rule(const char *s, u32 *rule);
/* Print @s as a JSON string literal. */
void json_str(FILE *f, const char *s);
/* Printable 4-char code ("Wi2k", "W2ru"); non-printables as '.'. */
void code_str(const u8 *c4, char out[5]);
void code32_str(u32 code, char out[5]);
/* Is the buffer all zero? */
bool all_zero(const void *buf, size_t len);

#endif
