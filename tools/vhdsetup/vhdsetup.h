/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhdsetup: set up and control vhd.ko devices, the way losetup does for
 * loop devices.
 */
#ifndef VHDSETUP_H
#define VHDSETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/vhd.h>

#include "vhd_format.h"

#include "chain.h"
#include "msg.h"

#define VHD_CONTROL	"/dev/vhd-control"
#define VHD_SYSFS_BLOCK	"/sys/block"

/* Exit codes, as losetup's. */
#define EXIT_OK		0
#define EXIT_FAIL	1

/* One attached (or free) device as the listing shows it. */
struct vhd_dev {
	int index;
	char name[32];			/* /dev/vhdN */
	bool attached;
	struct vhd_info info;
	char *backing_file;		/* from sysfs, may be NULL */
	char *parent;			/* backing file of layer 1, may be NULL */
	unsigned int major, minor;
};

/* device.c */
int vhd_parse_devname(const char *arg, int *index);
void vhd_devname(int index, char *buf, size_t len);
int vhd_open_dev(int index, int flags);
int vhd_ctl_find_free(void);
int vhd_dev_get_info(int index, struct vhd_info *info);
int vhd_dev_load(int index, struct vhd_dev *dev);
void vhd_dev_free(struct vhd_dev *dev);
int vhd_dev_detach(int index);
int vhd_iterate_devices(int (*fn)(int index, void *arg), void *arg);
char *vhd_sysfs_read(int index, const char *attr);

/* attach.c */
struct attach_opts {
	bool read_only;
	bool direct_io;
	bool partscan;
	bool autoclear;
	bool find;
	bool show;
	uint64_t sizelimit;
};

int vhd_attach_file(int index, const char *file, const struct attach_opts *o);

/* op.c: online operations on an attached device */
struct op_opts {
	unsigned int op;	/* VHD_OP_* */
	unsigned int level;	/* merge: layer merged into the next one */
	bool delete;		/* merge: remove the merged file after */
	bool flatten;		/* move: the whole chain, as one image */
	bool no_wait;		/* return once started */
	bool progress;		/* print progress lines while waiting */
	uint64_t new_size;	/* resize */
	const char *move_file;	/* move */
};

int vhd_op_run(int index, const struct op_opts *o);
int vhd_op_cancel(int index, bool no_wait);

/* list.c */
int list_parse_columns(const char *spec);
void list_all_columns(void);
void list_print_help_columns(FILE *out);
int list_table(int *indexes, int nr, bool json, bool raw, bool noheadings);
int list_associated(const char *file, bool table, bool json, bool raw,
		    bool noheadings);
int show_one(int index);
int show_all(void);

#endif
