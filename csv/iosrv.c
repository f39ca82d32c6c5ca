// SPDX-License-Identifier: GPL-2.0
/*
 * Redirected I/O, the coordinator's side: one connection per member that
 * asked (rpc.c hands it over after the CSV_OP_IO exchange), one reader
 * thread on it, csv-io/<volume>. Each request becomes a bio on our path to
 * the LUN, mapped with our table; its answer is sent from io_wq when the
 * bio completes, so requests overlap as they would on the LUN.
 *
 * The peer is a member we checked, but its frames are still input: a
 * malformed header ends the connection, a request outside the disk it
 * names is answered EINVAL, one meant for another epoch ESTALE (the
 * member looks for the coordinator again).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/sock.h>
#include <linux/tcp.h>
#include "csv.h"

struct csv_iosrv {
	struct list_head node;		/* in vol->io_conns */
	struct csv_vol *vol;
	struct socket *sock;
	struct task_struct *rx;
	struct mutex send_lock;		/* one answer at a time */
	atomic_t inflight;
	wait_queue_head_t wait;		/* inflight went down */
	u32 nodeid;
	bool dead;
};

struct csv_ioreq {
	struct work_struct work;
	struct csv_iosrv *c;
	struct csv_io_hdr h;
	struct bio *bio;
	int status;
	u32 npages;
	struct page *pages[];
};

static void csv_ioreq_free(struct csv_ioreq *r)
{
	u32 i;

	for (i = 0; i < r->npages; i++)
		__free_page(r->pages[i]);
	kfree(r);
}

static void csv_conn_put_req(struct csv_iosrv *c)
{
	atomic_dec(&c->inflight);
	wake_up_all(&c->wait);
}

/* io_wq: the bio is done, answer. */
static void csv_reply_work(struct work_struct *work)
{
	struct csv_ioreq *r = container_of(work, struct csv_ioreq, work);
	struct csv_iosrv *c = r->c;
	bool data = !r->status && le16_to_cpu(r->h.op) == CSV_IO_READ;
	u32 len = le32_to_cpu(r->h.bytes), i, n;
	int ret;

	r->h.status = cpu_to_le32(-r->status);
	mutex_lock(&c->send_lock);
	ret = READ_ONCE(c->dead) ? -EPIPE :
	      csv_sock_io(c->sock, &r->h, sizeof(r->h), CSV_SK_SEND);
	for (i = 0; !ret && data && i < r->npages; i++) {
		n = min_t(u32, len - i * PAGE_SIZE, PAGE_SIZE);
		ret = csv_sock_io(c->sock, page_address(r->pages[i]), n,
				  CSV_SK_SEND);
	}
	mutex_unlock(&c->send_lock);
	if (ret && !READ_ONCE(c->dead)) {
		WRITE_ONCE(c->dead, true);
		kernel_sock_shutdown(c->sock, SHUT_RDWR);
	}
	csv_ioreq_free(r);
	csv_conn_put_req(c);
}

static void csv_srv_endio(struct bio *bio)
{
	struct csv_ioreq *r = bio->bi_private;
	struct csv_vol *vol = r->c->vol;
	blk_status_t st = bio->bi_status;

	r->status = blk_status_to_errno(st);
	bio_put(bio);
	/*
	 * Our own path failed: we step down (dlm.c) and the member sends it
	 * again to the next coordinator, rather than see EIO.
	 */
	if (csv_path_error(st) && csv_can_redirect(vol)) {
		csv_path_failed(vol, st);
		r->status = -ESTALE;
	}
	if (atomic_dec_and_test(&vol->direct_inflight))
		wake_up_all(&vol->rwait);
	queue_work(vol->io_wq, &r->work);
}

static bool csv_srv_may_run(struct csv_iosrv *c)
{
	return !test_bit(CSV_S_FENCED, &c->vol->state) || kthread_should_stop();
}

/*
 * Counted among the bios at the LUN before the fence is looked at, as in
 * csv_direct(): csv_fence() sees the count or we see the fence.
 */
static bool csv_srv_unfenced(struct csv_iosrv *c)
{
	struct csv_vol *vol = c->vol;

	for (;;) {
		atomic_inc(&vol->direct_inflight);
		/* Pairs with the barrier in csv_fence(). */
		smp_mb__after_atomic();
		if (!test_bit(CSV_S_FENCED, &vol->state))
			return true;
		if (atomic_dec_and_test(&vol->direct_inflight))
			wake_up_all(&vol->rwait);
		wait_event_interruptible_timeout(vol->rwait,
						 csv_srv_may_run(c), HZ / 5);
		if (kthread_should_stop())
			return false;
	}
}

/* Why the header is malformed, or NULL. */
static const char *csv_io_bad(struct csv_vol *vol, const struct csv_io_hdr *h)
{
	u16 op = le16_to_cpu(h->op);
	u32 len = le32_to_cpu(h->bytes);

	if (le32_to_cpu(h->magic) != CSV_IO_MAGIC || h->status)
		return "bad magic";
	if (op < CSV_IO_READ || op > CSV_IO_FLUSH)
		return "unknown operation";
	if (le16_to_cpu(h->flags) & ~CSV_IO_FLAGS_ALL ||
	    (op != CSV_IO_WRITE && h->flags))
		return "unknown flags";
	if (op == CSV_IO_FLUSH)
		return len ? "flush with data" : NULL;
	if (!len || len > CSV_IO_MAX ||
	    len % bdev_logical_block_size(vol->lun))
		return "bad length";
	return NULL;
}

/* Where the disk's sectors live on the LUN: 0 or an errno. */
static int csv_srv_map(struct csv_vol *vol, const struct csv_io_hdr *h,
		       sector_t *lun)
{
	struct csv_map_ext ext[CSV_MAX_EXTENTS];
	u64 s = le64_to_cpu(h->sector), sectors;
	u32 n = le32_to_cpu(h->bytes) >> SECTOR_SHIFT, i, cnt;
	int idx, ret = -EINVAL;

	mutex_lock(&vol->meta_lock);
	if (!vol->coordinator || le64_to_cpu(h->epoch) != vol->epoch) {
		mutex_unlock(&vol->meta_lock);
		return -ESTALE;
	}
	idx = csv_tbl_find_id(&vol->tbl, le64_to_cpu(h->disk));
	cnt = idx < 0 ? 0 : csv_disk_map(&vol->tbl, idx, ext, CSV_MAX_EXTENTS,
					 &sectors);
	mutex_unlock(&vol->meta_lock);
	if (le16_to_cpu(h->op) == CSV_IO_FLUSH)
		return idx < 0 ? -ENOENT : 0;
	for (i = 0; i < cnt; i++) {
		if (s >= ext[i].lba && s - ext[i].lba < ext[i].sectors) {
			if (n <= ext[i].sectors - (s - ext[i].lba)) {
				*lun = ext[i].lun + (s - ext[i].lba);
				ret = 0;
			}
			break;
		}
	}
	return idx < 0 ? -ENOENT : ret;
}

static blk_opf_t csv_srv_opf(const struct csv_io_hdr *h)
{
	u16 flags = le16_to_cpu(h->flags);
	blk_opf_t opf;

	switch (le16_to_cpu(h->op)) {
	case CSV_IO_READ:
		return REQ_OP_READ;
	case CSV_IO_FLUSH:
		return REQ_OP_WRITE | REQ_PREFLUSH | REQ_SYNC;
	}
	opf = REQ_OP_WRITE | REQ_SYNC;
	if (flags & CSV_IO_FUA)
		opf |= REQ_FUA;
	if (flags & CSV_IO_PREFLUSH)
		opf |= REQ_PREFLUSH;
	return opf;
}

/* One request: read it whole, then start its bio or answer at once. */
static int csv_srv_one(struct csv_iosrv *c)
{
	struct csv_vol *vol = c->vol;
	struct csv_io_hdr h;
	struct csv_ioreq *r;
	const char *why;
	sector_t lun = 0;
	u32 len, i, n;
	int ret;

	ret = csv_sock_io(c->sock, &h, sizeof(h), CSV_SK_IDLE);
	if (ret)
		return ret;
	why = csv_io_bad(vol, &h);
	if (why) {
		csv_warn(vol, "I/O from node %u refused: %s\n", c->nodeid,
			 why);
		return -EPROTO;
	}
	len = le16_to_cpu(h.op) == CSV_IO_FLUSH ? 0 : le32_to_cpu(h.bytes);
	n = DIV_ROUND_UP(len, PAGE_SIZE);
	r = kzalloc(struct_size(r, pages, n), GFP_NOIO);
	if (!r)
		return -ENOMEM;
	INIT_WORK(&r->work, csv_reply_work);
	r->c = c;
	r->h = h;
	for (i = 0; i < n; i++) {
		r->pages[i] = alloc_page(GFP_NOIO);
		if (!r->pages[i])
			goto nomem;
		r->npages++;
	}
	/* A write's data comes first, whatever we answer. */
	for (i = 0; le16_to_cpu(h.op) == CSV_IO_WRITE && i < n; i++) {
		ret = csv_sock_io(c->sock, page_address(r->pages[i]),
				  min_t(u32, len - i * PAGE_SIZE, PAGE_SIZE), 0);
		if (ret) {
			csv_ioreq_free(r);
			return ret;
		}
	}
	if (!csv_is_member(vol, c->nodeid)) {
		csv_ioreq_free(r);
		return -EPERM;
	}
	atomic_inc(&c->inflight);
	ret = csv_srv_map(vol, &h, &lun);
	if (ret == -EINVAL || ret == -ENOENT)
		csv_warn(vol, "I/O from node %u outside disk %llu (sector %llu)\n",
			 c->nodeid, le64_to_cpu(h.disk),
			 le64_to_cpu(h.sector));
	if (!ret && !csv_srv_unfenced(c))
		ret = -ESTALE;
	if (ret) {
		r->status = ret;
		queue_work(vol->io_wq, &r->work);
		return 0;
	}
	r->bio = bio_alloc(vol->lun, n, csv_srv_opf(&h), GFP_NOIO);
	r->bio->bi_iter.bi_sector = lun;
	r->bio->bi_private = r;
	r->bio->bi_end_io = csv_srv_endio;
	for (i = 0; i < n; i++)
		__bio_add_page(r->bio, r->pages[i],
			       min_t(u32, len - i * PAGE_SIZE, PAGE_SIZE), 0);
	atomic64_inc(&vol->redirected_served);
	submit_bio(r->bio);
	return 0;
nomem:
	csv_ioreq_free(r);
	return -ENOMEM;
}

static int csv_iosrv_fn(void *arg)
{
	struct csv_iosrv *c = arg;
	struct csv_vol *vol = c->vol;
	int ret;

	while (!kthread_should_stop() && !READ_ONCE(c->dead)) {
		/* Fenced: we may be the cut-off side; nothing to the LUN. */
		if (test_bit(CSV_S_FENCED, &vol->state)) {
			wait_event_interruptible_timeout(vol->rwait,
							 csv_srv_may_run(c),
							 HZ / 5);
			continue;
		}
		wait_event_interruptible(c->wait,
					 atomic_read(&c->inflight) < CSV_IO_DEPTH ||
					 kthread_should_stop());
		ret = csv_srv_one(c);
		if (ret == -EAGAIN)
			continue;
		if (ret) {
			if (ret != -ECONNRESET && ret != -EPIPE)
				csv_warn(vol, "I/O connection of node %u closed: %d\n",
					 c->nodeid, ret);
			break;
		}
	}
	WRITE_ONCE(c->dead, true);
	csv_wait_for_stop();
	return 0;
}

/*
 * A member that connects again sent again what it had not been answered:
 * its old connection's bios must be done first, or an old write could
 * land after the new one of the same sectors.
 */
void csv_iosrv_drain(struct csv_vol *vol, u32 nodeid)
{
	struct csv_iosrv *c;

	mutex_lock(&vol->io_lock);
	list_for_each_entry(c, &vol->io_conns, node) {
		if (nodeid && c->nodeid != nodeid)
			continue;
		if (!READ_ONCE(c->dead)) {
			WRITE_ONCE(c->dead, true);
			kernel_sock_shutdown(c->sock, SHUT_RDWR);
		}
		wait_event(c->wait, !atomic_read(&c->inflight));
	}
	mutex_unlock(&vol->io_lock);
}

/* rpc.c: the socket is ours now. */
void csv_iosrv_add(struct csv_vol *vol, struct socket *sock, u32 nodeid)
{
	struct csv_iosrv *c;

	csv_iosrv_drain(vol, nodeid);

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		goto drop;
	c->vol = vol;
	c->sock = sock;
	c->nodeid = nodeid;
	mutex_init(&c->send_lock);
	init_waitqueue_head(&c->wait);
	sock->sk->sk_rcvtimeo = HZ / 2;
	sock->sk->sk_sndtimeo = 10 * HZ;
	tcp_sock_set_nodelay(sock->sk);
	c->rx = kthread_create(csv_iosrv_fn, c, "csv-io/%s/%u", vol->name,
			       nodeid);
	if (IS_ERR(c->rx)) {
		kfree(c);
		goto drop;
	}
	get_task_struct(c->rx);
	mutex_lock(&vol->io_lock);
	list_add_tail(&c->node, &vol->io_conns);
	mutex_unlock(&vol->io_lock);
	wake_up_process(c->rx);
	return;
drop:
	kernel_sock_shutdown(sock, SHUT_RDWR);
	sock_release(sock);
}

static void csv_iosrv_free(struct csv_iosrv *c)
{
	WRITE_ONCE(c->dead, true);
	kernel_sock_shutdown(c->sock, SHUT_RDWR);
	kthread_stop(c->rx);
	put_task_struct(c->rx);
	/* Bios at the LUN still answer through the socket (and fail). */
	wait_event(c->wait, !atomic_read(&c->inflight));
	/* The last answer's work may still be about to wake c->wait. */
	flush_workqueue(c->vol->io_wq);
	sock_release(c->sock);
	kfree(c);
}

static void csv_iosrv_collect(struct csv_vol *vol, bool all)
{
	struct csv_iosrv *c, *n;
	LIST_HEAD(gone);

	mutex_lock(&vol->io_lock);
	list_for_each_entry_safe(c, n, &vol->io_conns, node)
		if (all || READ_ONCE(c->dead))
			list_move(&c->node, &gone);
	mutex_unlock(&vol->io_lock);
	list_for_each_entry_safe(c, n, &gone, node)
		csv_iosrv_free(c);
}

/* From the accept loop: connections that ended. */
void csv_iosrv_reap(struct csv_vol *vol)
{
	csv_iosrv_collect(vol, false);
}

void csv_iosrv_stop_all(struct csv_vol *vol)
{
	csv_iosrv_collect(vol, true);
}
