// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata operations, executed by the coordinator alone: the edit is made
 * on a copy of the table, written to the LUN (volume.c: csv_tbl_store) and
 * only then becomes the table; the new generation is published through
 * info:<volume> so that the members reread it.
 *
 * A disk that some node has open is locked there (disk:<id>); deleting,
 * renaming or shrinking it takes that lock in EX without waiting, so a
 * disk in use answers EBUSY.
 *
 * A request is done once, even when its answer is lost: the number of the
 * sender's last request done is written in its node slot with the edit,
 * so a request sent again (to a new coordinator, after a failover) that
 * the old one finished is answered from the table instead of redone. An
 * edit the old coordinator did not finish storing is not in the table
 * (a table write is atomic) and is simply done now.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>
#include "csv.h"

/* Was m done already? Then fill in its answer and say so. */
static bool csv_done_before(struct csv_table *w, struct csv_msg *m)
{
	const struct csv_node_slot *s;
	const char *name = m->disk;
	int idx;

	s = csv_tbl_node_find(w, le32_to_cpu(m->nodeid));
	if (!m->id || !s || s->last_req != cpu_to_le32(le64_to_cpu(m->id)))
		return false;
	if (le16_to_cpu(m->op) == CSV_OP_RENAME)
		name = m->new_name;
	idx = csv_tbl_find(w, name);
	m->id = idx >= 0 ? csv_tbl_disk(w, idx)->id : 0;
	return true;
}

static void csv_mark_done(struct csv_table *w, const struct csv_msg *m)
{
	struct csv_node_slot *s;

	s = (struct csv_node_slot *)csv_tbl_node_find(w,
						     le32_to_cpu(m->nodeid));
	if (s)
		s->last_req = cpu_to_le32(le64_to_cpu(m->id));
}

static int csv_edit_redirect(struct csv_table *w, const struct csv_msg *m)
{
	struct csv_tbl_hdr *h = csv_tbl_hdr(w);
	u16 f = le16_to_cpu(h->flags);

	if (le32_to_cpu(m->flags) & CSV_REDIRECT_ON)
		f |= CSV_TBL_REDIRECTED;
	else
		f &= ~CSV_TBL_REDIRECTED;
	h->flags = cpu_to_le16(f);
	return 0;
}

static int csv_edit(struct csv_vol *vol, struct csv_msg *m,
		    struct csv_lock *claim)
{
	u32 nodeid = le32_to_cpu(m->nodeid);
	struct csv_table *w = &vol->work;
	u64 bytes = le64_to_cpu(m->bytes);
	u16 op = le16_to_cpu(m->op);
	bool shrink;
	u64 id = 0;
	int idx, ret;

	switch (op) {
	case CSV_OP_JOIN:
		return csv_tbl_node_set(w, nodeid, le16_to_cpu(m->port),
					le16_to_cpu(m->family), m->addr,
					vol->epoch);
	case CSV_OP_LEAVE:
		return csv_tbl_node_clear(w, nodeid);
	case CSV_OP_REDIRECT:
		return csv_edit_redirect(w, m);
	case CSV_OP_CREATE:
		ret = csv_tbl_create(w, m->disk, bytes, &id);
		m->id = cpu_to_le64(id);
		return ret;
	default:
		break;
	}
	ret = csv_name_check(m->disk, sizeof(m->disk));
	if (ret)
		return ret;
	idx = csv_tbl_find(w, m->disk);
	if (idx < 0)
		return idx;
	m->id = csv_tbl_disk(w, idx)->id;
	shrink = op == CSV_OP_RESIZE &&
		 bytes < le64_to_cpu(csv_tbl_disk(w, idx)->bytes);
	if (op == CSV_OP_RENAME) {
		ret = csv_name_check(m->new_name, sizeof(m->new_name));
		if (ret)
			return ret;
		ret = csv_tbl_find(w, m->new_name);
		if (ret >= 0 && ret != idx)
			return -EEXIST;
	}
	if (shrink && !(le32_to_cpu(m->flags) & CSV_RESIZE_SHRINK))
		return -EINVAL;
	if (op == CSV_OP_DELETE || shrink ||
	    (op == CSV_OP_RENAME && strcmp(m->disk, m->new_name))) {
		/* Closed on every node? Keep it so until the edit is done. */
		ret = csv_lock_disk(vol, claim, le64_to_cpu(m->id),
				    DLM_LOCK_EX);
		if (ret)
			return ret;
	}
	switch (op) {
	case CSV_OP_DELETE:
		return csv_tbl_delete(w, idx);
	case CSV_OP_RESIZE:
		return csv_tbl_resize(w, idx, bytes, shrink);
	case CSV_OP_RENAME:
		return csv_tbl_rename(w, idx, m->new_name);
	}
	return -EINVAL;
}

static const char *const csv_op_names[] = {
	[CSV_OP_JOIN] = "join",
	[CSV_OP_LEAVE] = "leave",
	[CSV_OP_CREATE] = "create",
	[CSV_OP_DELETE] = "delete",
	[CSV_OP_RESIZE] = "resize",
	[CSV_OP_RENAME] = "rename",
	[CSV_OP_REDIRECT] = "redirect",
};

/* Execute request m (checked by the caller); its answer goes into m. */
int csv_meta_exec(struct csv_vol *vol, struct csv_msg *m)
{
	struct csv_lock *claim;
	struct csv_tbl_hdr *h;
	u16 op = le16_to_cpu(m->op);
	struct csv_msg done;
	__le64 req;
	int ret;

	claim = kzalloc(sizeof(*claim), GFP_KERNEL);
	if (!claim)
		return -ENOMEM;
	claim->mode = -1;
	mutex_lock(&vol->meta_lock);
	/* A sender that knows a newer epoch knows a newer coordinator. */
	/* Fenced, we may be the cut-off side: no table write. */
	if (!vol->coordinator || vol->leaving ||
	    test_bit(CSV_S_FENCED, &vol->state) ||
	    le64_to_cpu(m->epoch) > vol->epoch) {
		ret = -ESTALE;
		goto out;
	}
	memcpy(vol->work.buf, vol->tbl.buf, vol->tbl.bytes);
	ret = 0;
	if (csv_done_before(&vol->work, m)) {
		pr_info("%s: %s %s by node %u was done before\n", vol->name,
			csv_op_names[op], m->disk[0] ? m->disk : "-",
			le32_to_cpu(m->nodeid));
		goto out;
	}
	req = m->id;
	ret = csv_edit(vol, m, claim);
	if (ret)
		goto out;
	done = *m;
	done.id = req;
	csv_mark_done(&vol->work, &done);
	h = csv_tbl_hdr(&vol->work);
	le64_add_cpu(&h->generation, 1);
	h->epoch = cpu_to_le64(vol->epoch);
	csv_tbl_seal(&vol->work, csv_vol_nodeid(vol));
	ret = csv_tbl_store(vol);
	if (ret)
		goto out;
	pr_info("%s: %s %s by node %u, generation %llu\n", vol->name,
		csv_op_names[op], m->disk[0] ? m->disk : "-",
		le32_to_cpu(m->nodeid), vol->tbl_gen);
out:
	mutex_unlock(&vol->meta_lock);
	csv_unlock_sync(vol, claim);
	kfree(claim);
	if (!ret) {
		csv_disks_refresh(vol);
		queue_work(vol->wq, &vol->publish_work);
	}
	return ret;
}
