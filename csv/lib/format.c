// SPDX-License-Identifier: GPL-2.0
/*
 * The csv on-disk format: superblock and disk table, their checks, and the
 * table edits the coordinator makes (create, delete, resize, rename a disk;
 * node slots). Shared by csv.ko and csvctl; no allocation, no I/O.
 */
#include "csv_format.h"

/* crc32c of buf with the 4 bytes at crc_off taken as zero. */
u32 csv_crc32c_buf(const void *buf, size_t len, size_t crc_off)
{
	static const u8 zero[4];
	const u8 *p = buf;
	u32 crc = ~0U;

	crc = csv_crc32c(crc, p, crc_off);
	crc = csv_crc32c(crc, zero, sizeof(zero));
	crc = csv_crc32c(crc, p + crc_off + 4, len - crc_off - 4);
	return ~crc;
}

u32 csv_tbl_bytes(u32 max_nodes, u32 max_disks)
{
	return sizeof(struct csv_tbl_hdr) +
	       max_nodes * sizeof(struct csv_node_slot) +
	       max_disks * sizeof(struct csv_disk_ent);
}

void csv_sb_init(struct csv_sb *sb, const char *name, const u8 uuid[16],
		 u64 lun_bytes, u64 now)
{
	u64 units = 0;

	memset(sb, 0, sizeof(*sb));
	memcpy(sb->magic, CSV_SB_MAGIC, sizeof(sb->magic));
	sb->version = cpu_to_le32(CSV_VERSION);
	sb->sb_bytes = cpu_to_le32(sizeof(*sb));
	sb->alloc_shift = cpu_to_le32(CSV_ALLOC_SHIFT);
	memcpy(sb->uuid, uuid, 16);
	strncpy(sb->name, name, sizeof(sb->name) - 1);
	sb->lun_bytes = cpu_to_le64(lun_bytes);
	sb->data_start = cpu_to_le64(CSV_DATA_START);
	if (lun_bytes > CSV_DATA_START)
		units = (lun_bytes - CSV_DATA_START) >> CSV_ALLOC_SHIFT;
	sb->data_units = cpu_to_le64(units);
	sb->tbl_offset[0] = cpu_to_le64(CSV_TBL_OFFSET_A);
	sb->tbl_offset[1] = cpu_to_le64(CSV_TBL_OFFSET_B);
	sb->tbl_bytes = cpu_to_le32(csv_tbl_bytes(CSV_MAX_NODES,
						  CSV_MAX_DISKS));
	sb->max_disks = cpu_to_le32(CSV_MAX_DISKS);
	sb->max_nodes = cpu_to_le32(CSV_MAX_NODES);
	sb->max_extents = cpu_to_le32(CSV_MAX_EXTENTS);
	sb->format_time = cpu_to_le64(now);
	csv_sb_seal(sb);
}

void csv_sb_seal(struct csv_sb *sb)
{
	sb->crc = cpu_to_le32(csv_crc32c_buf(sb, sizeof(*sb),
					     offsetof(struct csv_sb, crc)));
}

/*
 * Every field a reader relies on is checked here, so that csv.ko can trust
 * the superblock afterwards. -EINVAL: not a csv volume; -EUCLEAN: a csv
 * volume that is damaged; -EOPNOTSUPP: from a newer version.
 */
int csv_sb_check(const struct csv_sb *sb, u64 lun_bytes, const char **why)
{
	u64 start, units, off, end;
	u32 tb, shift;
	int i;

	if (memcmp(sb->magic, CSV_SB_MAGIC, sizeof(sb->magic))) {
		*why = "no csv superblock (bad magic)";
		return -EINVAL;
	}
	if (le32_to_cpu(sb->sb_bytes) != sizeof(*sb) ||
	    le32_to_cpu(sb->crc) != csv_crc32c_buf(sb, sizeof(*sb),
						   offsetof(struct csv_sb, crc))) {
		*why = "superblock checksum mismatch";
		return -EUCLEAN;
	}
	if (le32_to_cpu(sb->version) != CSV_VERSION ||
	    le32_to_cpu(sb->feat_incompat) & ~CSV_FEAT_INCOMPAT_SUPP) {
		*why = "unsupported version or incompatible feature";
		return -EOPNOTSUPP;
	}
	shift = le32_to_cpu(sb->alloc_shift);
	start = le64_to_cpu(sb->data_start);
	units = le64_to_cpu(sb->data_units);
	tb = le32_to_cpu(sb->tbl_bytes);
	if (shift < 12 || shift > 30 || start & ((1ULL << shift) - 1) ||
	    csv_name_check(sb->name, sizeof(sb->name)) ||
	    le32_to_cpu(sb->max_disks) > CSV_MAX_DISKS ||
	    le32_to_cpu(sb->max_nodes) > CSV_MAX_NODES ||
	    le32_to_cpu(sb->max_extents) != CSV_MAX_EXTENTS ||
	    tb != csv_tbl_bytes(le32_to_cpu(sb->max_nodes),
				le32_to_cpu(sb->max_disks)) ||
	    tb > CSV_TBL_ROOM || units > (1ULL << (63 - shift))) {
		*why = "superblock fields out of range";
		return -EUCLEAN;
	}
	for (i = 0; i < 2; i++) {
		off = le64_to_cpu(sb->tbl_offset[i]);
		if (off < CSV_SB_BYTES || off % 512 || off >= start ||
		    start - off < CSV_TBL_ROOM ||
		    (i && off < le64_to_cpu(sb->tbl_offset[0]) + CSV_TBL_ROOM)) {
			*why = "table offsets out of range";
			return -EUCLEAN;
		}
	}
	end = units << shift;
	if (start > lun_bytes || end > lun_bytes - start) {
		*why = "LUN smaller than the volume";
		return -EINVAL;
	}
	return 0;
}

void csv_tbl_bind(struct csv_table *t, const struct csv_sb *sb, void *buf,
		  void *scratch)
{
	t->buf = buf;
	t->scratch = scratch;
	t->data_start = le64_to_cpu(sb->data_start);
	t->bytes = le32_to_cpu(sb->tbl_bytes);
	t->max_nodes = le32_to_cpu(sb->max_nodes);
	t->max_disks = le32_to_cpu(sb->max_disks);
	t->max_extents = le32_to_cpu(sb->max_extents);
	t->alloc_shift = le32_to_cpu(sb->alloc_shift);
	t->data_units = le64_to_cpu(sb->data_units);
}

struct csv_tbl_hdr *csv_tbl_hdr(const struct csv_table *t)
{
	return t->buf;
}

struct csv_node_slot *csv_tbl_node(const struct csv_table *t, u32 i)
{
	return (struct csv_node_slot *)((u8 *)t->buf +
		sizeof(struct csv_tbl_hdr)) + i;
}

struct csv_disk_ent *csv_tbl_disk(const struct csv_table *t, u32 i)
{
	return (struct csv_disk_ent *)(csv_tbl_node(t, t->max_nodes)) + i;
}

void csv_tbl_init(struct csv_table *t, const struct csv_sb *sb)
{
	struct csv_tbl_hdr *h = csv_tbl_hdr(t);

	memset(t->buf, 0, t->bytes);
	memcpy(h->magic, CSV_TBL_MAGIC, sizeof(h->magic));
	memcpy(h->uuid, sb->uuid, sizeof(h->uuid));
	h->next_id = cpu_to_le64(1);
	h->tbl_bytes = cpu_to_le32(t->bytes);
}

void csv_tbl_seal(struct csv_table *t, u32 writer)
{
	struct csv_tbl_hdr *h = csv_tbl_hdr(t);

	h->writer = cpu_to_le32(writer);
	h->ndisks = cpu_to_le16(csv_tbl_count(t));
	h->crc = cpu_to_le32(csv_crc32c_buf(t->buf, t->bytes,
					    offsetof(struct csv_tbl_hdr, crc)));
}

/* Disk names: 1..47 of [A-Za-z0-9._-], not starting with '.' or '-'. */
int csv_name_check(const char *name, size_t room)
{
	size_t n = 0;

	while (n < room && name[n])
		n++;
	if (n == room)
		return -ENAMETOOLONG;
	if (!n || name[0] == '.' || name[0] == '-')
		return -EINVAL;
	for (; *name; name++) {
		char c = *name;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return -EINVAL;
	}
	return 0;
}

struct csv_used {
	u64 start;
	u64 units;
};

static int csv_used_cmp(const void *a, const void *b)
{
	const struct csv_used *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/* Every allocated extent of the table, sorted by start; skip disk skip. */
static u32 csv_tbl_used(const struct csv_table *t, struct csv_used *u,
			int skip)
{
	u32 i, j, n = 0;

	for (i = 0; i < t->max_disks; i++) {
		const struct csv_disk_ent *d = csv_tbl_disk(t, i);

		if (!d->id || (int)i == skip)
			continue;
		for (j = 0; j < le32_to_cpu(d->nextents) &&
		     j < CSV_MAX_EXTENTS; j++) {
			u[n].start = le64_to_cpu(d->ext[j].start);
			u[n].units = le64_to_cpu(d->ext[j].units);
			n++;
		}
	}
	csv_sort(u, n, sizeof(*u), csv_used_cmp);
	return n;
}

int csv_tbl_check(const struct csv_table *t, const struct csv_sb *sb,
		  const char **why)
{
	const struct csv_tbl_hdr *h = csv_tbl_hdr(t);
	struct csv_used *us = t->scratch;
	u64 next = le64_to_cpu(h->next_id), total;
	u32 i, j, k, n;

	if (memcmp(h->magic, CSV_TBL_MAGIC, sizeof(h->magic)) ||
	    le32_to_cpu(h->tbl_bytes) != t->bytes ||
	    le32_to_cpu(h->crc) != csv_crc32c_buf(t->buf, t->bytes,
						  offsetof(struct csv_tbl_hdr, crc))) {
		*why = "disk table checksum mismatch";
		return -EUCLEAN;
	}
	if (le16_to_cpu(h->flags) & ~CSV_TBL_FLAGS_ALL) {
		*why = "disk table with unknown flags";
		return -EUCLEAN;
	}
	if (!next) {
		*why = "disk table without a next id";
		return -EUCLEAN;
	}
	if (memcmp(h->uuid, sb->uuid, sizeof(h->uuid))) {
		*why = "disk table of another volume";
		return -EUCLEAN;
	}
	for (i = 0; i < t->max_disks; i++) {
		const struct csv_disk_ent *d = csv_tbl_disk(t, i);

		if (!d->id)
			continue;
		n = le32_to_cpu(d->nextents);
		if (le64_to_cpu(d->id) >= next || n > t->max_extents ||
		    csv_name_check(d->name, sizeof(d->name))) {
			*why = "disk entry out of range";
			return -EUCLEAN;
		}
		total = 0;
		for (j = 0; j < n; j++) {
			u64 s = le64_to_cpu(d->ext[j].start);
			u64 l = le64_to_cpu(d->ext[j].units);

			if (!l || s >= t->data_units || l > t->data_units - s) {
				*why = "extent outside the data area";
				return -EUCLEAN;
			}
			total += l;
		}
		if (le64_to_cpu(d->bytes) > total << t->alloc_shift ||
		    le64_to_cpu(d->bytes) % 512) {
			*why = "disk larger than its extents";
			return -EUCLEAN;
		}
		for (k = 0; k < i; k++) {
			const struct csv_disk_ent *o = csv_tbl_disk(t, k);

			if (o->id && (o->id == d->id ||
				      !strcmp(o->name, d->name))) {
				*why = "duplicate disk id or name";
				return -EUCLEAN;
			}
		}
	}
	n = csv_tbl_used(t, us, -1);
	for (i = 1; i < n; i++) {
		if (us[i - 1].start + us[i - 1].units > us[i].start) {
			*why = "overlapping extents";
			return -EUCLEAN;
		}
	}
	return 0;
}

int csv_tbl_find(const struct csv_table *t, const char *name)
{
	u32 i;

	for (i = 0; i < t->max_disks; i++) {
		const struct csv_disk_ent *d = csv_tbl_disk(t, i);

		if (d->id && !strncmp(d->name, name, sizeof(d->name)))
			return i;
	}
	return -ENOENT;
}

int csv_tbl_find_id(const struct csv_table *t, u64 id)
{
	u32 i;

	for (i = 0; i < t->max_disks; i++)
		if (id && le64_to_cpu(csv_tbl_disk(t, i)->id) == id)
			return i;
	return -ENOENT;
}

u32 csv_tbl_count(const struct csv_table *t)
{
	u32 i, n = 0;

	for (i = 0; i < t->max_disks; i++)
		n += !!csv_tbl_disk(t, i)->id;
	return n;
}

u64 csv_tbl_free_units(const struct csv_table *t)
{
	struct csv_used *us = t->scratch;
	u64 used = 0;
	u32 i, n;

	n = csv_tbl_used(t, us, -1);
	for (i = 0; i < n; i++)
		used += us[i].units;
	return used < t->data_units ? t->data_units - used : 0;
}

static u64 csv_units_for(const struct csv_table *t, u64 bytes)
{
	u64 unit = 1ULL << t->alloc_shift;

	return (bytes >> t->alloc_shift) + !!(bytes & (unit - 1));
}

static u64 csv_disk_units(const struct csv_disk_ent *d)
{
	u64 total = 0;
	u32 j;

	for (j = 0; j < le32_to_cpu(d->nextents); j++)
		total += le64_to_cpu(d->ext[j].units);
	return total;
}

/* Room after unit end: units free from end up to the next used extent. */
static u64 csv_free_after(const struct csv_table *t, u32 n, u64 end)
{
	const struct csv_used *us = t->scratch;
	u32 i;

	for (i = 0; i < n; i++)
		if (us[i].start + us[i].units > end)
			return us[i].start >= end ? us[i].start - end : 0;
	return t->data_units > end ? t->data_units - end : 0;
}

/*
 * Give disk idx `need` more units: first grow its last extent in place,
 * then take free runs first-fit. Nothing changes on -ENOSPC.
 */
static int csv_grow(struct csv_table *t, int idx, u64 need)
{
	struct csv_disk_ent *d = csv_tbl_disk(t, idx);
	struct csv_extent ext[CSV_MAX_EXTENTS];
	struct csv_used *us = t->scratch;
	u32 ne = le32_to_cpu(d->nextents), n, i;
	u64 pos = 0, gap, take;

	memcpy(ext, d->ext, sizeof(ext));
	n = csv_tbl_used(t, us, idx);
	if (ne) {
		u64 end = le64_to_cpu(ext[ne - 1].start) +
			  le64_to_cpu(ext[ne - 1].units);

		take = csv_free_after(t, n, end);
		if (take > need)
			take = need;
		/* The disk's own earlier extents may sit right after it. */
		for (i = 0; i + 1 < ne && take; i++) {
			u64 s = le64_to_cpu(ext[i].start);

			if (s >= end && s - end < take)
				take = s - end;
		}
		ext[ne - 1].units = cpu_to_le64(le64_to_cpu(ext[ne - 1].units) +
						take);
		need -= take;
	}
	/* Our own extents count as used while we look for more room. */
	for (i = 0; i < ne; i++) {
		us[n].start = le64_to_cpu(ext[i].start);
		us[n].units = le64_to_cpu(ext[i].units);
		n++;
	}
	csv_sort(us, n, sizeof(*us), csv_used_cmp);
	for (i = 0; i <= n && need; i++) {
		u64 lim = i < n ? us[i].start : t->data_units;

		gap = lim > pos ? lim - pos : 0;
		if (gap) {
			if (ne == t->max_extents)
				return -ENOSPC;
			take = gap < need ? gap : need;
			ext[ne].start = cpu_to_le64(pos);
			ext[ne].units = cpu_to_le64(take);
			ne++;
			need -= take;
		}
		if (i < n && us[i].start + us[i].units > pos)
			pos = us[i].start + us[i].units;
	}
	if (need)
		return -ENOSPC;
	memcpy(d->ext, ext, sizeof(ext));
	d->nextents = cpu_to_le32(ne);
	return 0;
}

/* Drop units from the tail of disk idx until it holds keep units. */
static void csv_trim(struct csv_table *t, int idx, u64 keep)
{
	struct csv_disk_ent *d = csv_tbl_disk(t, idx);
	u32 ne = le32_to_cpu(d->nextents), j;
	u64 have = 0;

	for (j = 0; j < ne; j++) {
		u64 l = le64_to_cpu(d->ext[j].units);

		if (have + l >= keep) {
			d->ext[j].units = cpu_to_le64(keep - have);
			ne = keep > have ? j + 1 : j;
			break;
		}
		have += l;
	}
	for (j = ne; j < CSV_MAX_EXTENTS; j++) {
		d->ext[j].start = 0;
		d->ext[j].units = 0;
	}
	d->nextents = cpu_to_le32(ne);
}

int csv_tbl_create(struct csv_table *t, const char *name, u64 bytes, u64 *id)
{
	struct csv_tbl_hdr *h = csv_tbl_hdr(t);
	struct csv_disk_ent *d = NULL;
	int ret;
	u32 i;

	ret = csv_name_check(name, CSV_DNAME_LEN);
	if (ret)
		return ret;
	if (!bytes || bytes % 512)
		return -EINVAL;
	if (csv_tbl_find(t, name) >= 0)
		return -EEXIST;
	if (le64_to_cpu(h->next_id) == ~0ULL)
		return -ENOSPC;		/* ids are never reused */
	for (i = 0; i < t->max_disks && !d; i++)
		if (!csv_tbl_disk(t, i)->id)
			d = csv_tbl_disk(t, i);
	if (!d)
		return -ENOSPC;
	memset(d, 0, sizeof(*d));
	strncpy(d->name, name, sizeof(d->name) - 1);
	d->id = h->next_id;	/* nonzero while the grow looks for room */
	ret = csv_grow(t, i - 1, csv_units_for(t, bytes));
	if (ret) {
		memset(d, 0, sizeof(*d));
		return ret;
	}
	d->bytes = cpu_to_le64(bytes);
	*id = le64_to_cpu(h->next_id);
	h->next_id = cpu_to_le64(*id + 1);
	return 0;
}

int csv_tbl_delete(struct csv_table *t, int idx)
{
	memset(csv_tbl_disk(t, idx), 0, sizeof(struct csv_disk_ent));
	return 0;
}

/* A smaller size cuts data off the end: only with shrink set. */
int csv_tbl_resize(struct csv_table *t, int idx, u64 bytes, bool shrink)
{
	struct csv_disk_ent *d = csv_tbl_disk(t, idx);
	u64 have = csv_disk_units(d), want;
	int ret;

	if (!bytes || bytes % 512)
		return -EINVAL;
	if (bytes < le64_to_cpu(d->bytes) && !shrink)
		return -EINVAL;
	want = csv_units_for(t, bytes);
	if (want > have) {
		ret = csv_grow(t, idx, want - have);
		if (ret)
			return ret;
	} else if (want < have) {
		csv_trim(t, idx, want);
	}
	d->bytes = cpu_to_le64(bytes);
	return 0;
}

int csv_tbl_rename(struct csv_table *t, int idx, const char *name)
{
	struct csv_disk_ent *d = csv_tbl_disk(t, idx);
	int ret, other;

	ret = csv_name_check(name, CSV_DNAME_LEN);
	if (ret)
		return ret;
	other = csv_tbl_find(t, name);
	if (other >= 0)
		return other == idx ? 0 : -EEXIST;
	memset(d->name, 0, sizeof(d->name));
	strncpy(d->name, name, sizeof(d->name) - 1);
	return 0;
}

const struct csv_node_slot *csv_tbl_node_find(const struct csv_table *t,
					      u32 nodeid)
{
	u32 i;

	for (i = 0; i < t->max_nodes; i++) {
		const struct csv_node_slot *s = csv_tbl_node(t, i);

		if (nodeid && le32_to_cpu(s->nodeid) == nodeid)
			return s;
	}
	return NULL;
}

int csv_tbl_node_set(struct csv_table *t, u32 nodeid, u16 port, u16 family,
		     const u8 addr[16], u64 epoch)
{
	struct csv_node_slot *s;
	u32 i;

	s = (struct csv_node_slot *)csv_tbl_node_find(t, nodeid);
	for (i = 0; i < t->max_nodes && !s; i++)
		if (!csv_tbl_node(t, i)->nodeid)
			s = csv_tbl_node(t, i);
	/* Full: reuse the slot of a node that left. */
	for (i = 0; i < t->max_nodes && !s; i++)
		if (!(le32_to_cpu(csv_tbl_node(t, i)->flags) & CSV_NODE_JOINED))
			s = csv_tbl_node(t, i);
	if (!s)
		return -ENOSPC;
	memset(s, 0, sizeof(*s));
	s->nodeid = cpu_to_le32(nodeid);
	s->flags = cpu_to_le32(CSV_NODE_JOINED);
	s->port = cpu_to_le16(port);
	s->family = cpu_to_le16(family);
	memcpy(s->addr, addr, sizeof(s->addr));
	s->join_epoch = cpu_to_le64(epoch);
	return 0;
}

int csv_tbl_node_clear(struct csv_table *t, u32 nodeid)
{
	struct csv_node_slot *s;

	s = (struct csv_node_slot *)csv_tbl_node_find(t, nodeid);
	if (!s)
		return -ENOENT;
	s->flags = cpu_to_le32(le32_to_cpu(s->flags) & ~CSV_NODE_JOINED);
	return 0;
}

/*
 * The sector map of disk idx: one entry per extent, in disk order, cut at
 * the disk's size. Returns the number of entries.
 */
int csv_disk_map(const struct csv_table *t, int idx, struct csv_map_ext *map,
		 u32 room, u64 *sectors)
{
	const struct csv_disk_ent *d = csv_tbl_disk(t, idx);
	u64 left = le64_to_cpu(d->bytes) >> 9, lba = 0;
	u32 spu = 1U << (t->alloc_shift - 9), j, n = 0;

	for (j = 0; j < le32_to_cpu(d->nextents) && left && n < room; j++) {
		u64 len = le64_to_cpu(d->ext[j].units) * spu;

		if (len > left)
			len = left;
		map[n].lba = lba;
		map[n].lun = (t->data_start >> 9) +
			     le64_to_cpu(d->ext[j].start) * spu;
		map[n].sectors = len;
		lba += len;
		left -= len;
		n++;
	}
	*sectors = lba;
	return n;
}
