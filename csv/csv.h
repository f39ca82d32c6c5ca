/* SPDX-License-Identifier: GPL-2.0 */
/*
 * csv.ko internals: a cluster shared volume as one node sees it.
 *
 * A volume lives on one shared LUN. Every node that joins it creates the
 * DLM lockspace "csv-<volume>"; the node holding "coord:<volume>" in EX is
 * the coordinator and alone writes the disk table. "info:<volume>" carries
 * the coordinator's epoch, node id, address and the table generation in its
 * lock value block: every member holds it in CR, the coordinator publishes
 * by converting CR -> EX -> CR, and the others drop to NL on the blocking
 * AST and take CR again, which hands them the new value (the pattern of
 * selftests/cluster/dlm_probe.c). Metadata requests go to the coordinator
 * over TCP (rpc.c). Each open virtual disk is a bio-based block device that
 * remaps I/O straight onto the LUN (disk.c); "disk:<id>" in EX (writer) or
 * PR (readers) makes its owner exclusive across the cluster.
 */
#ifndef CSV_H
#define CSV_H

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/dlm.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/csv.h>

#include "lib/csv_format.h"

#define CSV_LVB_LEN		64
#define CSV_LVB_MAGIC		0x63737631	/* "csv1" */

/* Lock value block of coord:<volume> and info:<volume>. */
struct csv_lvb {
	__le32 magic;
	__le32 nodeid;			/* the coordinator */
	__le64 epoch;
	__le64 generation;		/* of the disk table */
	__le16 port;
	__le16 family;
	__le32 pad;
	u8 addr[16];
	u8 reserved[16];
};

/* A DLM lock taken synchronously (csv_lock_sync), with its value block. */
struct csv_lock {
	struct dlm_lksb lksb;
	char lvb[CSV_LVB_LEN];
	struct completion done;
	int mode;			/* granted mode, -1 when none */
	int want;			/* mode of the request under way */
};

struct csv_map {
	struct rcu_head rcu;
	u32 n;
	u64 sectors;
	struct csv_map_ext ext[CSV_MAX_EXTENTS];
};

/* A virtual disk open on this node. */
struct csv_disk {
	struct list_head node;		/* in csv_vol.disks */
	struct csv_vol *vol;
	struct gendisk *gd;
	struct bio_set bs;		/* splits at extent ends */
	struct csv_map __rcu *map;
	struct csv_lock lock;		/* disk:<id> */
	char name[CSV_DNAME_LEN];
	u64 id;
	int index;
	bool read_only;
	bool closing;
	unsigned int openers;		/* under gd->open_mutex */
	atomic64_t bios;
	atomic64_t sectors_read;
	atomic64_t sectors_written;
};

struct csv_vol {
	struct list_head node;		/* in csv_vols */
	char name[CSV_NAME_LEN];
	struct kobject *kobj;		/* /sys/fs/csv/<volume>/ */
	struct file *lun_file;
	struct block_device *lun;
	u64 lun_bytes;
	struct csv_sb sb;

	/* The disk table: authoritative on the coordinator, else a cache. */
	struct mutex meta_lock;
	struct csv_table tbl;
	struct csv_table work;		/* edits happen here first */
	int tbl_slot;			/* copy (0 or 1) holding tbl */
	u64 tbl_gen;

	/* DLM */
	dlm_lockspace_t *ls;
	char ls_name[DLM_LOCKSPACE_LEN + 1];
	char coord_res[CSV_NAME_LEN + 8];
	char info_res[CSV_NAME_LEN + 8];
	struct workqueue_struct *wq;
	struct work_struct coord_work;
	struct work_struct info_work;
	struct work_struct publish_work;
	struct csv_lock coord;
	struct csv_lock info;
	struct csv_lock self;		/* node:<id>, PW, our token inside */
	u8 token[16];
	bool coordinator;
	bool leaving;
	u64 epoch;			/* ours, as coordinator */
	u64 published;			/* generation we last published */

	spinlock_t slock;		/* the fields below */
	u32 nodeid;
	u32 members[CSV_MAX_NODES];
	u32 num_members;
	struct csv_lvb known;		/* coordinator as info: tells it */
	wait_queue_head_t wait;		/* known changed */

	/* This node's request server. */
	struct socket *listen;
	struct task_struct *server;
	u16 port;
	u16 family;
	u8 addr[16];

	struct mutex disks_lock;	/* disks, open_disks */
	struct list_head disks;
	unsigned int open_disks;

	atomic64_t requests_sent;
	atomic64_t requests_served;
	atomic64_t requests_refused;
};

/* volume.c */
int csv_join(struct csv_join *j);
int csv_leave(struct csv_vol *vol);
struct csv_vol *csv_vol_find(const char *name);
extern struct list_head csv_vols;
extern struct rw_semaphore csv_vols_sem;
int csv_tbl_load(struct csv_vol *vol, struct csv_table *t, int *slot,
		 bool quiet);
int csv_tbl_reload(struct csv_vol *vol);
int csv_tbl_refresh(struct csv_vol *vol);
int csv_tbl_store(struct csv_vol *vol);
u32 csv_vol_nodeid(struct csv_vol *vol);

/* dlm.c */
int csv_dlm_join(struct csv_vol *vol);
void csv_dlm_leave(struct csv_vol *vol);
int csv_lock_sync(struct csv_vol *vol, struct csv_lock *l, const char *res,
		  int mode, u32 flags);
int csv_unlock_sync(struct csv_vol *vol, struct csv_lock *l);
int csv_lock_disk(struct csv_vol *vol, struct csv_lock *l, u64 id, int mode);
bool csv_is_member(struct csv_vol *vol, u32 nodeid);
int csv_token_check(struct csv_vol *vol, u32 nodeid, const u8 *token);
void csv_known(struct csv_vol *vol, struct csv_lvb *out);

/* rpc.c */
enum csv_op {
	CSV_OP_JOIN = 1,
	CSV_OP_LEAVE,
	CSV_OP_CREATE,
	CSV_OP_DELETE,
	CSV_OP_RESIZE,
	CSV_OP_RENAME,
	CSV_OP_MAX = CSV_OP_RENAME,
};

#define CSV_MSG_MAGIC		0x4d565343	/* "CSVM" */
#define CSV_MSG_VERSION		1

/* A request and its reply on the wire: one fixed-size frame each way. */
struct csv_msg {
	__le32 magic;
	__le16 version;
	__le16 op;
	__le32 nodeid;			/* the sender */
	__le32 flags;			/* CSV_RESIZE_SHRINK */
	__le64 epoch;			/* coordinator epoch the sender knows */
	__le64 bytes;
	__le64 id;			/* reply: the disk's id */
	__le32 status;			/* reply: 0 or a positive errno */
	__le16 port;
	__le16 family;
	u8 addr[16];
	u8 uuid[16];
	char disk[CSV_DNAME_LEN];
	char new_name[CSV_DNAME_LEN];
	u8 token[16];			/* the sender's, see csv_token_check */
};

int csv_rpc_start(struct csv_vol *vol);
void csv_rpc_stop(struct csv_vol *vol);
int csv_request(struct csv_vol *vol, struct csv_msg *m);

/* meta.c */
int csv_meta_exec(struct csv_vol *vol, struct csv_msg *m);

/* disk.c */
int csv_disk_open(struct csv_vol *vol, struct csv_disk_req *r);
int csv_disk_close(struct csv_vol *vol, const char *name);
void csv_disks_refresh(struct csv_vol *vol);
struct csv_disk *csv_disk_find(struct csv_vol *vol, const char *name);
int csv_disk_init(void);
void csv_disk_exit(void);

/* sysfs.c */
int csv_sysfs_init(void);
void csv_sysfs_exit(void);
int csv_vol_sysfs_add(struct csv_vol *vol);
void csv_vol_sysfs_del(struct csv_vol *vol);
extern const struct attribute_group *csv_disk_groups[];

#define csv_warn(vol, fmt, ...) \
	pr_warn_ratelimited("%s: " fmt, (vol)->name, ##__VA_ARGS__)

#endif /* CSV_H */
