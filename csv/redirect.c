// SPDX-License-Identifier: GPL-2.0
/*
 * Redirected I/O, the member's side: bios go over the cluster network to
 * the coordinator, which does them on its own path to the LUN (iosrv.c).
 *
 * One thread per volume, csv-redir/<volume>, keeps one TCP connection to
 * the coordinator the info lock names, and sends; a reader thread per
 * connection takes the answers and completes the bios. Requests carry a
 * tag and are pipelined, up to CSV_IO_DEPTH at a time. When the
 * connection breaks, the coordinator changes (a new epoch) or an answer
 * is CSV_IO_TIMEOUT late, every request not answered is sent again to the
 * coordinator there is then: a read or a write done twice is harmless,
 * since its bio has not completed. A write is acknowledged only once the
 * coordinator's bio completed, with the bio's FUA and PREFLUSH, so a flush
 * after it covers it as it would on the LUN.
 *
 * A bio fails (EIO) only when no coordinator took it for CSV_IO_GIVEUP.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/sock.h>
#include <linux/tcp.h>
#include "csv.h"

#define CSV_IO_TIMEOUT		(15 * HZ)
#define CSV_IO_GIVEUP		(120 * HZ)

/* Hand bio, a piece of disk d, to csv-redir (any context). */
void csv_redirect_bio(struct csv_disk *d, struct bio *bio, bool resend)
{
	struct csv_vol *vol = d->vol;
	unsigned long flags;

	if (resend)
		atomic64_inc(&d->resent);
	spin_lock_irqsave(&vol->rlock, flags);
	bio_list_add(&vol->rbios, bio);
	spin_unlock_irqrestore(&vol->rlock, flags);
	wake_up(&vol->rwait);
}

static void csv_rreq_end(struct csv_rreq *r, blk_status_t st)
{
	struct bio *bio = r->bio;
	struct csv_disk *d = r->disk;

	kfree(r);
	bio->bi_status = st;
	bio_endio(bio);
	csv_disk_put(d);
}

/* A bio's data to or from the socket, segment by segment. */
static int csv_bio_io(struct socket *sock, struct bio *bio, bool send)
{
	struct bvec_iter iter;
	struct bio_vec bv;
	bool last;
	int ret = 0;

	bio_for_each_segment(bv, bio, iter) {
		void *p = bvec_kmap_local(&bv);

		last = iter.bi_size == bv.bv_len;
		ret = csv_sock_io(sock, p, bv.bv_len,
				  !send ? 0 : last ? CSV_SK_SEND :
				  CSV_SK_SEND | CSV_SK_MORE);
		kunmap_local(p);
		/*
		 * Once its last byte is out, the answer may complete and
		 * free the bio: the iterator must not step again.
		 */
		if (ret || last)
			break;
	}
	return ret;
}

static void csv_rconn_broken(struct csv_vol *vol, struct csv_rconn *c)
{
	WRITE_ONCE(c->broken, true);
	wake_up(&vol->rwait);
}

/* The reader: answers, in any order. */
static int csv_rx_fn(void *arg)
{
	struct csv_rconn *c = arg;
	struct csv_vol *vol = c->vol;
	struct csv_rreq *r, *found;
	struct csv_io_hdr h;
	u32 status;
	int ret;

	while (!kthread_should_stop() && !READ_ONCE(c->broken)) {
		ret = csv_sock_io(c->sock, &h, sizeof(h), CSV_SK_IDLE);
		if (ret == -EAGAIN)
			continue;	/* idle: the receive timeout */
		if (ret)
			break;
		found = NULL;
		spin_lock_irq(&vol->rlock);
		list_for_each_entry(r, &vol->rsent, node) {
			if (r->tag == le64_to_cpu(h.tag)) {
				list_del_init(&r->node);
				vol->nsent--;
				found = r;
				break;
			}
		}
		spin_unlock_irq(&vol->rlock);
		status = le32_to_cpu(h.status);
		if (!found || le32_to_cpu(h.magic) != CSV_IO_MAGIC ||
		    status > MAX_ERRNO) {
			csv_warn(vol, "malformed I/O answer from node %u\n",
				 c->peer);
			if (found)
				list_add(&found->node, &c->back);
			break;
		}
		if (status == ESTALE) {
			/* Not the coordinator any more: send it elsewhere. */
			list_add(&found->node, &c->back);
			break;
		}
		if (!status && bio_op(found->bio) == REQ_OP_READ &&
		    bio_sectors(found->bio)) {
			if (le32_to_cpu(h.bytes) != found->bio->bi_iter.bi_size ||
			    csv_bio_io(c->sock, found->bio, false)) {
				list_add(&found->node, &c->back);
				break;
			}
		}
		csv_rreq_end(found, errno_to_blk_status(-(int)status));
		wake_up(&vol->rwait);
	}
	csv_rconn_broken(vol, c);
	csv_wait_for_stop();
	return 0;
}

/* Close the connection; whatever it had not answered is sent again. */
static void csv_rconn_close(struct csv_vol *vol)
{
	struct csv_rconn *c = vol->rconn;
	struct csv_rreq *r, *n;
	LIST_HEAD(again);

	if (!c)
		return;
	kernel_sock_shutdown(c->sock, SHUT_RDWR);
	kthread_stop(c->rx);
	put_task_struct(c->rx);
	sock_release(c->sock);
	spin_lock_irq(&vol->rlock);
	vol->rconn = NULL;
	list_splice_init(&vol->rsent, &again);
	vol->nsent = 0;
	spin_unlock_irq(&vol->rlock);
	list_splice_init(&c->back, &again);
	list_for_each_entry_safe(r, n, &again, node) {
		atomic64_inc(&r->disk->resent);
		r->sent = 0;
	}
	list_splice(&again, &vol->rqueue);
	kfree(c);
}

static void csv_rconn_open(struct csv_vol *vol, const struct csv_lvb *k)
{
	struct csv_rconn *c;
	int ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return;
	INIT_LIST_HEAD(&c->back);
	c->vol = vol;
	c->epoch = le64_to_cpu(k->epoch);
	c->peer = le32_to_cpu(k->nodeid);
	ret = csv_rpc_connect(vol, k, &c->sock);
	if (ret) {
		csv_warn(vol, "no I/O connection to coordinator %u: %d\n",
			 c->peer, ret);
		kfree(c);
		return;
	}
	c->sock->sk->sk_rcvtimeo = HZ;
	c->sock->sk->sk_sndtimeo = CSV_IO_TIMEOUT;
	tcp_sock_set_nodelay(c->sock->sk);
	c->rx = kthread_create(csv_rx_fn, c, "csv-rx/%s", vol->name);
	if (IS_ERR(c->rx)) {
		sock_release(c->sock);
		kfree(c);
		return;
	}
	get_task_struct(c->rx);
	vol->rconn = c;
	wake_up_process(c->rx);
	pr_info("%s: I/O goes through coordinator %u, epoch %llu\n",
		vol->name, c->peer, c->epoch);
}

/* Take what came in from any context, as requests of our own. */
static void csv_take_bios(struct csv_vol *vol)
{
	struct csv_rreq *r;
	struct bio_list l;
	struct bio *bio;

	spin_lock_irq(&vol->rlock);
	l = vol->rbios;
	bio_list_init(&vol->rbios);
	spin_unlock_irq(&vol->rlock);
	while ((bio = bio_list_pop(&l))) {
		r = kzalloc(sizeof(*r), GFP_NOIO | __GFP_NOFAIL);
		r->bio = bio;
		r->disk = csv_bio_disk(bio);
		r->queued = jiffies;
		list_add_tail(&r->node, &vol->rqueue);
		atomic64_inc(&r->disk->redirected_bios);
		atomic64_add(bio_sectors(bio), &r->disk->redirected_sectors);
	}
}

static void csv_io_hdr_fill(struct csv_io_hdr *h, const struct csv_rreq *r,
			    u64 epoch)
{
	struct bio *bio = r->bio;
	u16 flags = 0;

	memset(h, 0, sizeof(*h));
	h->magic = cpu_to_le32(CSV_IO_MAGIC);
	if (bio_op(bio) == REQ_OP_READ) {
		h->op = cpu_to_le16(CSV_IO_READ);
	} else if (!bio_sectors(bio)) {
		h->op = cpu_to_le16(CSV_IO_FLUSH);
	} else {
		h->op = cpu_to_le16(CSV_IO_WRITE);
		if (bio->bi_opf & REQ_FUA)
			flags |= CSV_IO_FUA;
		if (bio->bi_opf & REQ_PREFLUSH)
			flags |= CSV_IO_PREFLUSH;
	}
	h->flags = cpu_to_le16(flags);
	h->tag = cpu_to_le64(r->tag);
	h->disk = cpu_to_le64(r->disk->id);
	h->sector = cpu_to_le64(bio->bi_iter.bi_sector);
	h->bytes = cpu_to_le32(bio->bi_iter.bi_size);
	h->epoch = cpu_to_le64(epoch);
}

/* Send what is queued, as far as the depth allows. */
static void csv_send_queued(struct csv_vol *vol)
{
	struct csv_rconn *c = vol->rconn;
	struct csv_io_hdr h;
	struct csv_rreq *r;
	int ret;

	while (!list_empty(&vol->rqueue) && !READ_ONCE(c->broken)) {
		if (READ_ONCE(vol->nsent) >= CSV_IO_DEPTH)
			return;
		r = list_first_entry(&vol->rqueue, struct csv_rreq, node);
		r->tag = ++vol->rtag;
		r->sent = jiffies;
		csv_io_hdr_fill(&h, r, c->epoch);
		spin_lock_irq(&vol->rlock);
		list_move_tail(&r->node, &vol->rsent);
		vol->nsent++;
		spin_unlock_irq(&vol->rlock);
		ret = csv_sock_io(c->sock, &h, sizeof(h),
				  le16_to_cpu(h.op) == CSV_IO_WRITE ?
				  CSV_SK_SEND | CSV_SK_MORE : CSV_SK_SEND);
		if (!ret && le16_to_cpu(h.op) == CSV_IO_WRITE)
			ret = csv_bio_io(c->sock, r->bio, true);
		if (ret) {
			csv_rconn_broken(vol, c);
			return;
		}
	}
}

/* Should the connection go: broken, another coordinator, an answer late? */
static bool csv_rconn_stale(struct csv_vol *vol, const struct csv_lvb *k)
{
	struct csv_rconn *c = vol->rconn;
	struct csv_rreq *r;
	bool late = false;

	if (READ_ONCE(c->broken) || le64_to_cpu(k->epoch) != c->epoch ||
	    READ_ONCE(vol->coordinator))
		return true;
	spin_lock_irq(&vol->rlock);
	r = list_first_entry_or_null(&vol->rsent, struct csv_rreq, node);
	if (r && time_after(jiffies, r->sent + CSV_IO_TIMEOUT))
		late = true;
	spin_unlock_irq(&vol->rlock);
	if (late)
		csv_warn(vol, "coordinator %u did not answer in time\n",
			 c->peer);
	return late;
}

/*
 * We became the coordinator (or what was queued may go direct again):
 * what waits goes back through csv_submit_bio.
 */
static void csv_requeue_direct(struct csv_vol *vol)
{
	struct csv_rreq *r, *n;

	list_for_each_entry_safe(r, n, &vol->rqueue, node) {
		struct bio *bio = r->bio;
		struct csv_disk *d = r->disk;

		list_del(&r->node);
		kfree(r);
		submit_bio_noacct(bio);
		csv_disk_put(d);
	}
}

static void csv_fail_old(struct csv_vol *vol, bool all)
{
	struct csv_rreq *r, *n;

	list_for_each_entry_safe(r, n, &vol->rqueue, node) {
		if (!all && time_before(jiffies, r->queued + CSV_IO_GIVEUP))
			continue;
		csv_warn(vol, "%s: no coordinator took sector %llu\n",
			 r->disk->name, (u64)r->bio->bi_iter.bi_sector);
		list_del(&r->node);
		csv_rreq_end(r, BLK_STS_IOERR);
	}
}

/* Anything for csv-redir: bios handed over, room to send, a broken link? */
static bool csv_redir_busy(struct csv_vol *vol)
{
	struct csv_rconn *c = vol->rconn;

	if (!bio_list_empty(&vol->rbios))
		return true;
	if (!c)
		return false;	/* the 100 ms poll looks for a coordinator */
	return READ_ONCE(c->broken) ||
	       (!list_empty(&vol->rqueue) &&
		READ_ONCE(vol->nsent) < CSV_IO_DEPTH &&
		!test_bit(CSV_S_FENCED, &vol->state));
}

static int csv_redir_fn(void *arg)
{
	struct csv_vol *vol = arg;
	struct csv_lvb k;

	while (!kthread_should_stop()) {
		wait_event_interruptible_timeout(vol->rwait,
						 csv_redir_busy(vol) ||
						 kthread_should_stop(),
						 HZ / 10);
		csv_take_bios(vol);
		csv_known(vol, &k);
		if (vol->rconn && csv_rconn_stale(vol, &k))
			csv_rconn_close(vol);
		if (list_empty(&vol->rqueue))
			continue;
		if (READ_ONCE(vol->coordinator)) {
			/* Stepping down for lack of a path: wait for the next. */
			if (!test_bit(CSV_S_PATH_FAILED, &vol->state))
				csv_requeue_direct(vol);
			csv_fail_old(vol, false);
			continue;
		}
		/* Fenced: not even through the coordinator. */
		if (!test_bit(CSV_S_FENCED, &vol->state)) {
			if (!vol->rconn && k.nodeid &&
			    le32_to_cpu(k.nodeid) != csv_vol_nodeid(vol))
				csv_rconn_open(vol, &k);
			if (vol->rconn)
				csv_send_queued(vol);
		}
		csv_fail_old(vol, false);
	}
	csv_take_bios(vol);
	csv_rconn_close(vol);
	csv_fail_old(vol, true);
	return 0;
}

int csv_redirect_start(struct csv_vol *vol)
{
	struct task_struct *t;

	t = kthread_run(csv_redir_fn, vol, "csv-redir/%s", vol->name);
	if (IS_ERR(t))
		return PTR_ERR(t);
	vol->redir = t;
	return 0;
}

void csv_redirect_stop(struct csv_vol *vol)
{
	if (!vol->redir)
		return;
	kthread_stop(vol->redir);
	vol->redir = NULL;
}

/* CSV_REDIRECT: this node alone, or every node through the table. */
int csv_redirect_set(struct csv_vol *vol, u32 flags)
{
	struct csv_msg *m;
	int ret;

	if (!(flags & CSV_REDIRECT_VOLUME)) {
		if (flags & CSV_REDIRECT_ON)
			set_bit(CSV_S_REDIRECT_NODE, &vol->state);
		else
			clear_bit(CSV_S_REDIRECT_NODE, &vol->state);
		pr_info("%s: redirected mode %s on this node\n", vol->name,
			flags & CSV_REDIRECT_ON ? "on" : "off");
		return 0;
	}
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->op = cpu_to_le16(CSV_OP_REDIRECT);
	m->flags = cpu_to_le32(flags & CSV_REDIRECT_ON);
	ret = csv_request(vol, m);
	kfree(m);
	if (!ret)
		ret = csv_tbl_reload(vol);
	return ret;
}
