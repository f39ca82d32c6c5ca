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
#include <linux/sizes.h>
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
	atomic_t inflight;		/* pieces not yet completed */
	wait_queue_head_t idle;		/* inflight reached 0 */
	struct bio_set cbs;		/* clones sent to the LUN */
	atomic64_t bios;
	atomic64_t redirected_bios;
	atomic64_t redirected_sectors;
	atomic64_t resent;		/* redirected again after a failure */
	atomic64_t sectors_read;
	atomic64_t sectors_written;
};

/* csv_vol.state */
enum {
	CSV_S_PATH_FAILED,		/* our path to the LUN gave errors */
	CSV_S_REDIRECT_NODE,		/* forced on this node */
	CSV_S_REDIRECT_VOLUME,		/* forced on all, by the table */
	CSV_S_FENCED,			/* membership in doubt: no LUN I/O */
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
	struct work_struct resign_work;
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

	/* Redirected I/O: this node's side (redirect.c)... */
	spinlock_t rlock;		/* rbios, rsent, nsent */
	struct bio_list rbios;		/* handed over, not yet taken */
	struct list_head rqueue;	/* csv_rreq waiting to be sent */
	struct list_head rsent;		/* sent, waiting for the answer */
	unsigned int nsent;		/* on rsent */
	struct csv_rconn *rconn;	/* to the coordinator, or NULL */
	struct task_struct *redir;	/* csv-redir/<vol>: sends, reconnects */
	wait_queue_head_t rwait;
	u64 rtag;
	/* ... and the coordinator's (iosrv.c). */
	struct mutex io_lock;		/* io_conns */
	struct list_head io_conns;	/* csv_iosrv */
	struct workqueue_struct *io_wq;

	/* Path to the LUN, forced redirection and fencing (path.c). */
	unsigned long state;		/* CSV_S_* bits */
	bool lost_node;			/* recover_slot since recover_prep */
	unsigned long fence_until;	/* no writer opens before (jiffies) */
	atomic_t direct_inflight;	/* clones at the LUN */
	spinlock_t hold_lock;
	struct bio_list held;		/* bios that came while fenced */
	struct work_struct unhold_work;
	struct delayed_work probe_work;
	atomic_t req_seq;		/* of our metadata requests */
	struct mutex req_lock;		/* one metadata request at a time */
	atomic64_t path_failures;
	atomic64_t path_restores;
	atomic64_t redirected_served;
	atomic64_t fences;

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

/* The open disk a bio of /dev/csvN belongs to. */
static inline struct csv_disk *csv_bio_disk(struct bio *bio)
{
	return bio->bi_bdev->bd_disk->private_data;
}

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
void csv_coord_resign(struct csv_vol *vol);
bool csv_can_redirect(struct csv_vol *vol);
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
	CSV_OP_REDIRECT,		/* the volume's forced redirection */
	CSV_OP_IO,			/* the connection carries I/O from now */
	CSV_OP_MAX = CSV_OP_IO,
};

#define CSV_MSG_MAGIC		0x4d565343	/* "CSVM" */
#define CSV_MSG_VERSION		1

/* A request and its reply on the wire: one fixed-size frame each way. */
struct csv_msg {
	__le32 magic;
	__le16 version;
	__le16 op;
	__le32 nodeid;			/* the sender */
	__le32 flags;			/* CSV_RESIZE_SHRINK, CSV_REDIRECT_ON */
	__le64 epoch;			/* coordinator epoch the sender knows */
	__le64 bytes;
	__le64 id;			/* request number; reply: disk id */
	__le32 status;			/* reply: 0 or a positive errno */
	__le16 port;
	__le16 family;
	u8 addr[16];
	u8 uuid[16];
	char disk[CSV_DNAME_LEN];	/* (CSV_OP_IO: zero) */
	char new_name[CSV_DNAME_LEN];
	u8 token[16];			/* the sender's, see csv_token_check */
};

/*
 * Redirected I/O: after a CSV_OP_IO exchange of csv_msg frames, the
 * connection carries these headers, a write's data after its request, a
 * read's data after its answer. Sectors are the disk's, not the LUN's:
 * the coordinator maps them with its own table.
 */
#define CSV_IO_MAGIC		0x4f495343	/* "CSIO" */
#define CSV_IO_MAX		SZ_1M		/* bytes in one request */
#define CSV_IO_DEPTH		64		/* requests under way per node */

enum csv_io_op {
	CSV_IO_READ = 1,
	CSV_IO_WRITE,
	CSV_IO_FLUSH,
};

#define CSV_IO_FUA		0x1U
#define CSV_IO_PREFLUSH		0x2U
#define CSV_IO_FLAGS_ALL	0x3U

struct csv_io_hdr {
	__le32 magic;
	__le16 op;
	__le16 flags;			/* CSV_IO_FUA, CSV_IO_PREFLUSH */
	__le64 tag;			/* the sender's, echoed */
	__le64 disk;			/* id */
	__le64 sector;
	__le32 bytes;
	__le32 status;			/* answer: 0 or a positive errno */
	__le64 epoch;			/* of the coordinator it is meant for */
};

/* A bio (or a piece of one) on its way through the coordinator. */
struct csv_rreq {
	struct list_head node;		/* in rqueue or rsent */
	struct bio *bio;
	struct csv_disk *disk;
	u64 tag;
	unsigned long queued;		/* jiffies */
	unsigned long sent;
};

struct csv_rconn {
	struct csv_vol *vol;
	struct socket *sock;
	struct list_head back;		/* taken by the reader, not done */
	struct task_struct *rx;
	u64 epoch;
	u32 peer;			/* node id of the coordinator */
	bool broken;
};

int csv_rpc_start(struct csv_vol *vol);
void csv_rpc_stop(struct csv_vol *vol);
int csv_request(struct csv_vol *vol, struct csv_msg *m);

int csv_rpc_connect(struct csv_vol *vol, const struct csv_lvb *k,
		    struct socket **out);

#define CSV_SK_SEND		0x1U
#define CSV_SK_MORE		0x2U	/* more data follows: MSG_MORE */
#define CSV_SK_IDLE		0x4U	/* a timeout before any byte: -EAGAIN */
int csv_sock_io(struct socket *sock, void *buf, size_t len, unsigned int how);
void csv_wait_for_stop(void);

/* redirect.c */
int csv_redirect_start(struct csv_vol *vol);
void csv_redirect_stop(struct csv_vol *vol);
void csv_redirect_bio(struct csv_disk *d, struct bio *bio, bool resend);
int csv_redirect_set(struct csv_vol *vol, u32 flags);

/* iosrv.c */
void csv_iosrv_add(struct csv_vol *vol, struct socket *sock, u32 nodeid);
void csv_iosrv_reap(struct csv_vol *vol);
void csv_iosrv_drain(struct csv_vol *vol, u32 nodeid);
void csv_iosrv_stop_all(struct csv_vol *vol);

/* path.c */
void csv_path_init(struct csv_vol *vol);
void csv_path_exit(struct csv_vol *vol);
bool csv_path_redirected(struct csv_vol *vol);
bool csv_path_error(blk_status_t st);
void csv_path_failed(struct csv_vol *vol, blk_status_t why);
void csv_fence(struct csv_vol *vol);
void csv_unfence(struct csv_vol *vol, bool lost_nodes);
bool csv_hold_bio(struct csv_vol *vol, struct bio *bio);
void csv_wait_fence_grace(struct csv_vol *vol);
void csv_disk_put(struct csv_disk *d);

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
