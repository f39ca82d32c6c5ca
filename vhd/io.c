// SPDX-License-Identifier: GPL-2.0
/*
 * Data path. queue_rq hands each request to the device's unbound
 * workqueue (many workers, never one thread); the worker maps it onto the
 * chain and issues one asynchronous kiocb per contiguous piece of a
 * backing file, like loop's lo_rw_aio(). The request completes when its
 * last piece does, with the first error seen.
 *
 * Mapping a read: per block of the layer, the cached bitmap is walked in
 * runs; a run of set bits is read from this layer, a run of clear bits (or
 * an unallocated block) comes from the parent for a differencing layer, or
 * is zero for a dynamic one. Everything is in memory, so resolving which
 * layer owns a sector costs at most one bitmap lookup per layer.
 */
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "vhd_drv.h"

struct vhd_sub {
	struct kiocb iocb;
	struct vhd_cmd *cmd;
	struct vhd_layer *layer;
	size_t len;
	long ret;
	/*
	 * Submitter + completion: the file system may complete the kiocb
	 * before ->read_iter returns and still touch it afterwards (ext4
	 * calls file_accessed(iocb->ki_filp)), as loop's cmd->ref handles.
	 */
	atomic_t ref;
	/* a write of sectors not yet marked in the block's bitmap */
	u32 mark_blk;
	u32 mark_first;
	u32 mark_count;
};

struct vhd_map {
	struct vhd_cmd *cmd;
	struct request *rq;
	struct vhd_device *vhd;
	unsigned int dir;	/* ITER_DEST: read, ITER_SOURCE: write */
};

static void vhd_cmd_error(struct vhd_cmd *cmd, int err)
{
	atomic_cmpxchg(&cmd->error, 0, err);
}

static void vhd_cmd_put(struct vhd_cmd *cmd)
{
	struct request *rq = blk_mq_rq_from_pdu(cmd);

	if (!atomic_dec_and_test(&cmd->ref))
		return;
	/*
	 * Writes, discards: once per request, after all its data, so that an
	 * online operation's copy that missed it runs again.
	 */
	if (op_is_write(req_op(rq)))
		vhd_op_mark(cmd->vhd, blk_rq_pos(rq), blk_rq_sectors(rq));
	kfree(cmd->bvec_alloc);
	cmd->bvec_alloc = NULL;
	if (likely(!blk_should_fake_timeout(rq->q)))
		blk_mq_complete_request(rq);
}

static void vhd_complete_rq(struct request *rq)
{
	struct vhd_cmd *cmd = blk_mq_rq_to_pdu(rq);
	int err = atomic_read(&cmd->error);
	blk_status_t sts = BLK_STS_OK;

	if (err)
		sts = err == -ENOSPC ? BLK_STS_NOSPC : BLK_STS_IOERR;
	blk_mq_end_request(rq, sts);
}

static void vhd_sub_put(struct vhd_sub *sub)
{
	struct vhd_cmd *cmd = sub->cmd;
	long ret;

	if (!atomic_dec_and_test(&sub->ref))
		return;
	ret = sub->ret;	/* ordered by the full barrier of the decrement */
	if (ret != sub->len) {
		int err = ret < 0 ? ret : -EIO;

		vhd_warn(cmd->vhd, "I/O error %d on %s at offset %llu", err,
			 sub->layer->path, sub->iocb.ki_pos);
		vhd_cmd_error(cmd, err);
	} else if (sub->mark_count) {
		vhd_mark_written(sub->layer, sub->mark_blk, sub->mark_first,
				 sub->mark_count);
	}
	kfree(sub);
	vhd_cmd_put(cmd);
}

static void vhd_sub_done(struct kiocb *iocb, long ret)
{
	struct vhd_sub *sub = container_of(iocb, struct vhd_sub, iocb);

	sub->ret = ret;
	vhd_sub_put(sub);
}

/* The request's bytes [off, off + len) as an iterator. */
static void vhd_iter(struct vhd_map *m, struct iov_iter *it, size_t off,
		     size_t len)
{
	struct vhd_cmd *cmd = m->cmd;

	iov_iter_bvec(it, m->dir, cmd->bvec, cmd->nr_bvec,
		      blk_rq_bytes(m->rq));
	it->iov_offset = cmd->bvec_offset;
	iov_iter_advance(it, off);
	iov_iter_truncate(it, len);
}

static void vhd_zero(struct vhd_map *m, size_t off, u32 sectors)
{
	size_t len = (size_t)sectors << SECTOR_SHIFT;
	struct iov_iter it;

	vhd_iter(m, &it, off, len);
	if (iov_iter_zero(len, &it) != len)
		vhd_cmd_error(m->cmd, -EIO);
}

static void vhd_sub_io(struct vhd_map *m, struct vhd_layer *l, u64 pos,
		       size_t off, u32 sectors, u32 blk, u32 first, u32 count)
{
	struct vhd_cmd *cmd = m->cmd;
	struct vhd_sub *sub;
	struct iov_iter it;
	ssize_t ret;

	sub = kmalloc(sizeof(*sub), GFP_NOIO);
	if (!sub) {
		vhd_cmd_error(cmd, -ENOMEM);
		return;
	}
	sub->cmd = cmd;
	sub->layer = l;
	sub->len = (size_t)sectors << SECTOR_SHIFT;
	sub->mark_blk = blk;
	sub->mark_first = first;
	sub->mark_count = count;
	sub->iocb = (struct kiocb) {
		.ki_filp = l->file,
		.ki_pos = pos,
		.ki_complete = vhd_sub_done,
		.ki_flags = l->iocb_flags,
		.ki_ioprio = req_get_ioprio(m->rq),
	};
	vhd_iter(m, &it, off, sub->len);
	atomic_set(&sub->ref, 2);
	atomic_inc(&cmd->ref);
	if (m->dir == ITER_SOURCE)
		ret = call_write_iter(l->file, &sub->iocb, &it);
	else
		ret = call_read_iter(l->file, &sub->iocb, &it);
	if (ret != -EIOCBQUEUED)
		vhd_sub_done(&sub->iocb, ret);
	vhd_sub_put(sub);
}

/* Read @nr sectors at @sector as seen from layer @level into @off. */
static void vhd_map_read(struct vhd_map *m, int level, u64 sector, u32 nr,
			 size_t off)
{
	struct vhd_layer *l;
	u32 n, in, pos, end, run, blk, entry;
	bool set;
	u8 *bm;

	while (nr) {
		l = level < m->vhd->depth ? m->vhd->layers[level] : NULL;
		if (!l || sector >= l->sectors) {
			/* below the chain, or a parent smaller than its child */
			vhd_zero(m, off, nr);
			return;
		}
		if (sector + nr > l->sectors) {
			n = l->sectors - sector;
			vhd_zero(m, off + ((size_t)n << SECTOR_SHIFT), nr - n);
			nr = n;
		}
		if (l->type == VHD_TYPE_FIXED) {
			vhd_sub_io(m, l, sector << SECTOR_SHIFT, off, nr, 0, 0, 0);
			return;
		}

		blk = sector >> l->sect_shift;
		in = sector & ((1U << l->sect_shift) - 1);
		n = min_t(u32, nr, (1U << l->sect_shift) - in);
		entry = vhd_bat_entry(l, blk);
		bm = entry == VHD_BAT_UNUSED ? NULL : vhd_layer_bitmap(l, blk);
		if (!bm) {
			if (l->type == VHD_TYPE_DIFF)
				vhd_map_read(m, level + 1, sector, n, off);
			else
				vhd_zero(m, off, n);
		} else {
			for (pos = in, end = in + n; pos < end; pos += run) {
				size_t o = off + ((size_t)(pos - in) << SECTOR_SHIFT);

				run = vhd_bitmap_run(bm, pos, end, &set);
				if (set)
					vhd_sub_io(m, l,
						   vhd_block_data_off(&l->hdr, entry) +
						   ((u64)pos << SECTOR_SHIFT),
						   o, run, 0, 0, 0);
				else if (l->type == VHD_TYPE_DIFF)
					vhd_map_read(m, level + 1,
						     sector + pos - in, run, o);
				else
					vhd_zero(m, o, run);
			}
		}
		sector += n;
		nr -= n;
		off += (size_t)n << SECTOR_SHIFT;
	}
}

/* Writes only go to layers[0]; blocks are allocated on first write. */
static void vhd_map_write(struct vhd_map *m, u64 sector, u32 nr)
{
	struct vhd_layer *l = m->vhd->layers[0];
	u32 n, in, blk, entry;
	size_t off = 0;
	bool marked;
	u8 *bm;
	int err;

	if (l->type == VHD_TYPE_FIXED) {
		vhd_sub_io(m, l, sector << SECTOR_SHIFT, 0, nr, 0, 0, 0);
		return;
	}

	while (nr) {
		blk = sector >> l->sect_shift;
		in = sector & ((1U << l->sect_shift) - 1);
		n = min_t(u32, nr, (1U << l->sect_shift) - in);
		entry = vhd_bat_entry(l, blk);
		if (entry == VHD_BAT_UNUSED) {
			err = vhd_alloc_block(m->vhd, l, blk);
			if (err) {
				vhd_cmd_error(m->cmd, err);
				return;
			}
			entry = vhd_bat_entry(l, blk);
		}
		bm = vhd_layer_bitmap(l, blk);
		if (WARN_ON_ONCE(!bm)) {
			vhd_cmd_error(m->cmd, -EIO);
			return;
		}
		marked = vhd_bitmap_all(bm, in, n, true);
		vhd_sub_io(m, l, vhd_block_data_off(&l->hdr, entry) +
			   ((u64)in << SECTOR_SHIFT), off, n, blk, in,
			   marked ? 0 : n);
		sector += n;
		nr -= n;
		off += (size_t)n << SECTOR_SHIFT;
	}
}

static int vhd_cmd_bvec(struct vhd_cmd *cmd, struct request *rq)
{
	struct req_iterator iter;
	struct bio_vec tmp, *bv;
	unsigned int nr = 0;

	rq_for_each_bvec(tmp, rq, iter)
		nr++;
	cmd->nr_bvec = nr;
	if (rq->bio != rq->biotail) {
		bv = kmalloc_array(nr, sizeof(*bv), GFP_NOIO);
		if (!bv)
			return -ENOMEM;
		cmd->bvec_alloc = bv;
		cmd->bvec = bv;
		cmd->bvec_offset = 0;
		rq_for_each_bvec(tmp, rq, iter) {
			*bv = tmp;
			bv++;
		}
	} else {
		/* A split bio may start in the middle of its bvec. */
		cmd->bvec_offset = rq->bio->bi_iter.bi_bvec_done;
		cmd->bvec = __bvec_iter_bvec(rq->bio->bi_io_vec,
					     rq->bio->bi_iter);
	}
	return 0;
}

static void vhd_work(struct work_struct *work)
{
	struct vhd_cmd *cmd = container_of(work, struct vhd_cmd, work);
	struct request *rq = blk_mq_rq_from_pdu(cmd);
	struct vhd_map m = { .cmd = cmd, .rq = rq, .vhd = cmd->vhd };
	unsigned int noio;
	int err;

	/* Backing file I/O must not recurse into reclaim of this device. */
	noio = memalloc_noio_save();
	switch (req_op(rq)) {
	case REQ_OP_FLUSH:
		err = vhd_flush(cmd->vhd);
		if (err)
			vhd_cmd_error(cmd, err);
		break;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		err = vhd_discard(cmd->vhd, blk_rq_pos(rq), blk_rq_sectors(rq),
				  req_op(rq) == REQ_OP_WRITE_ZEROES);
		if (err)
			vhd_cmd_error(cmd, err);
		break;
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		err = vhd_cmd_bvec(cmd, rq);
		if (err) {
			vhd_cmd_error(cmd, err);
			break;
		}
		if (req_op(rq) == REQ_OP_READ) {
			m.dir = ITER_DEST;
			vhd_map_read(&m, 0, blk_rq_pos(rq), blk_rq_sectors(rq), 0);
		} else {
			m.dir = ITER_SOURCE;
			vhd_map_write(&m, blk_rq_pos(rq), blk_rq_sectors(rq));
		}
		break;
	default:
		vhd_cmd_error(cmd, -EOPNOTSUPP);
		break;
	}
	vhd_cmd_put(cmd);
	memalloc_noio_restore(noio);
}

static blk_status_t vhd_queue_rq(struct blk_mq_hw_ctx *hctx,
				 const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct vhd_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct vhd_device *vhd = rq->q->queuedata;

	blk_mq_start_request(rq);
	/* Layers change only while the queue is frozen. */
	if (!vhd->depth)
		return BLK_STS_IOERR;
	switch (req_op(rq)) {
	case REQ_OP_READ:
	case REQ_OP_FLUSH:
		break;
	case REQ_OP_WRITE:
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		if (!vhd->layers[0]->writable)
			return BLK_STS_IOERR;
		break;
	default:
		return BLK_STS_NOTSUPP;
	}
	cmd->vhd = vhd;
	atomic_set(&cmd->ref, 1);
	atomic_set(&cmd->error, 0);
	cmd->bvec_alloc = NULL;
	queue_work(vhd->wq, &cmd->work);
	return BLK_STS_OK;
}

static int vhd_init_request(struct blk_mq_tag_set *set, struct request *rq,
			    unsigned int hctx_idx, unsigned int numa_node)
{
	struct vhd_cmd *cmd = blk_mq_rq_to_pdu(rq);

	INIT_WORK(&cmd->work, vhd_work);
	return 0;
}

const struct blk_mq_ops vhd_mq_ops = {
	.queue_rq	= vhd_queue_rq,
	.complete	= vhd_complete_rq,
	.init_request	= vhd_init_request,
};
