// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for csv.ko's /dev/csv-control, for csvctl.sh: LD_PRELOAD it
 * with CSV_FAKE_STATE naming a state file, and every CSV_* ioctl is served
 * here, by a one-node cluster that keeps the disk table on the LUN itself
 * with csv/lib (a new generation into the other copy on every edit) and
 * which volumes are joined and which disks open in the state file:
 *
 *   vol NAME NODEID LUNPATH
 *   open VOLUME DISK INDEX RO
 *
 * OPEN makes $CSVCTL_DEVDIR/csvN (a plain file), CLOSE removes it. The
 * structs are checked as csv.ko would: ->size, flags, zero fields.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/csv.h>

#include "csv_format.h"

#define MAX_VOLS	8
#define MAX_OPEN	64

struct fvol {
	char name[CSV_NAME_LEN];
	unsigned int nodeid;
	char path[4096];
};

struct fopen {
	char vol[CSV_NAME_LEN];
	char disk[CSV_DNAME_LEN];
	unsigned int index;
	int ro;
};

static struct {
	struct fvol vol[MAX_VOLS];
	int nvol;
	struct fopen op[MAX_OPEN];
	int nopen;
} st;

/* The volume's LUN, loaded: superblock and the current table. */
static struct {
	struct csv_sb sb;
	u8 buf[2][CSV_TBL_ROOM];
	u8 scratch[CSV_SCRATCH_BYTES];
	struct csv_table t;
	int cur;
} lun;

static void st_load(FILE *f)
{
	char line[4300], a[64], b[64];
	unsigned int n;
	int ro;

	memset(&st, 0, sizeof(st));
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		struct fvol *v = &st.vol[st.nvol];

		line[strcspn(line, "\n")] = '\0';
		if (st.nvol < MAX_VOLS &&
		    sscanf(line, "vol %31s %u %4095s", v->name, &v->nodeid, v->path) == 3)
			st.nvol++;
		else if (st.nopen < MAX_OPEN &&
			 sscanf(line, "open %31s %47s %u %d", a, b, &n, &ro) == 4) {
			strcpy(st.op[st.nopen].vol, a);
			strcpy(st.op[st.nopen].disk, b);
			st.op[st.nopen].index = n;
			st.op[st.nopen].ro = ro;
			st.nopen++;
		}
	}
}

static void st_save(FILE *f)
{
	int i;

	if (ftruncate(fileno(f), 0))
		return;
	rewind(f);
	for (i = 0; i < st.nvol; i++)
		fprintf(f, "vol %s %u %s\n", st.vol[i].name, st.vol[i].nodeid,
			st.vol[i].path);
	for (i = 0; i < st.nopen; i++)
		fprintf(f, "open %s %s %u %d\n", st.op[i].vol, st.op[i].disk,
			st.op[i].index, st.op[i].ro);
	fflush(f);
}

static struct fvol *st_vol(const char *name)
{
	int i;

	for (i = 0; i < st.nvol; i++)
		if (!name[0] || !strcmp(st.vol[i].name, name))
			return &st.vol[i];
	return NULL;
}

static struct fopen *st_open(const char *vol, const char *disk)
{
	int i;

	for (i = 0; i < st.nopen; i++)
		if (!strcmp(st.op[i].vol, vol) && !strcmp(st.op[i].disk, disk))
			return &st.op[i];
	return NULL;
}

static int lun_load(const char *path)
{
	const char *why;
	int fd, i, ret = 0;
	u64 g[2];
	bool ok[2];

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (pread(fd, &lun.sb, sizeof(lun.sb), 0) != sizeof(lun.sb))
		ret = -EIO;
	if (!ret)
		ret = csv_sb_check(&lun.sb, lseek(fd, 0, SEEK_END), &why);
	for (i = 0; i < 2 && !ret; i++) {
		struct csv_table t;

		csv_tbl_bind(&t, &lun.sb, lun.buf[i], lun.scratch);
		if (pread(fd, lun.buf[i], t.bytes, le64_to_cpu(lun.sb.tbl_offset[i])) !=
		    (ssize_t)t.bytes)
			ret = -EIO;
		ok[i] = !ret && !csv_tbl_check(&t, &lun.sb, &why);
		g[i] = le64_to_cpu(csv_tbl_hdr(&t)->generation);
	}
	close(fd);
	if (ret)
		return ret;
	if (!ok[0] && !ok[1])
		return -EUCLEAN;
	lun.cur = !ok[0] || (ok[1] && g[1] > g[0]);
	csv_tbl_bind(&lun.t, &lun.sb, lun.buf[lun.cur], lun.scratch);
	return 0;
}

/* The edited table, one generation up, into the other copy. */
static int lun_commit(const char *path, u32 writer)
{
	struct csv_tbl_hdr *h = csv_tbl_hdr(&lun.t);
	int fd, other = !lun.cur, ret = 0;

	h->generation = cpu_to_le64(le64_to_cpu(h->generation) + 1);
	csv_tbl_seal(&lun.t, writer);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, lun.t.buf, lun.t.bytes, le64_to_cpu(lun.sb.tbl_offset[other])) !=
	    (ssize_t)lun.t.bytes || fsync(fd))
		ret = -EIO;
	close(fd);
	return ret;
}

static bool zero(const void *p, size_t n)
{
	const u8 *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

static bool named(const char *s, size_t room)
{
	return memchr(s, 0, room) && zero(s + strlen(s), room - strlen(s));
}

static char *devnode(unsigned int index)
{
	const char *d = getenv("CSVCTL_DEVDIR");
	static char p[4200];

	snprintf(p, sizeof(p), "%s/csv%u", d && *d ? d : "/dev", index);
	return p;
}

static int do_join(struct csv_join *j)
{
	char fdp[64], path[4096];
	struct fvol *v;
	ssize_t n;
	int fl, ret;

	if (j->size != sizeof(*j) || j->flags || !zero(j->volume, sizeof(j->volume)) ||
	    j->nodeid || (j->family != CSV_AF_INET && j->family != CSV_AF_INET6) ||
	    (j->family == CSV_AF_INET && !zero(j->addr + 4, 12)) || !j->port)
		return -EINVAL;
	fl = fcntl(j->lun_fd, F_GETFL);
	if (fl < 0)
		return -EBADF;
	if ((fl & O_ACCMODE) != O_RDWR || !(fl & O_DIRECT))
		return -EBADFD;
	snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", j->lun_fd);
	n = readlink(fdp, path, sizeof(path) - 1);
	if (n < 0)
		return -errno;
	path[n] = '\0';
	ret = lun_load(path);
	if (ret)
		return ret;
	if (st_vol(lun.sb.name))
		return -EEXIST;
	if (st.nvol == MAX_VOLS)
		return -ENOSPC;
	v = &st.vol[st.nvol];
	strcpy(v->name, lun.sb.name);
	strcpy(v->path, path);
	v->nodeid = getenv("CSV_FAKE_NODEID") ? atoi(getenv("CSV_FAKE_NODEID")) : 1;
	csv_tbl_hdr(&lun.t)->epoch = cpu_to_le64(le64_to_cpu(csv_tbl_hdr(&lun.t)->epoch) + 1);
	ret = csv_tbl_node_set(&lun.t, v->nodeid, j->port, j->family, j->addr,
			       le64_to_cpu(csv_tbl_hdr(&lun.t)->epoch));
	if (!ret)
		ret = lun_commit(path, v->nodeid);
	if (ret)
		return ret;
	st.nvol++;
	j->nodeid = v->nodeid;
	strcpy(j->volume, v->name);
	return 0;
}

static int do_leave(struct csv_leave *l)
{
	struct fvol *v;
	int i, ret;

	if (l->size != sizeof(*l) || l->flags || !named(l->volume, sizeof(l->volume)))
		return -EINVAL;
	v = l->volume[0] ? st_vol(l->volume) : NULL;
	if (!v)
		return -ENOENT;
	for (i = 0; i < st.nopen; i++)
		if (!strcmp(st.op[i].vol, v->name))
			return -EBUSY;
	ret = lun_load(v->path);
	if (!ret)
		ret = csv_tbl_node_clear(&lun.t, v->nodeid);
	if (!ret)
		ret = lun_commit(v->path, v->nodeid);
	if (ret)
		return ret;
	*v = st.vol[--st.nvol];
	return 0;
}

static int do_status(struct csv_status *s)
{
	struct fvol *v;
	int i, ret;

	if (s->size != sizeof(*s) || s->flags || !named(s->volume, sizeof(s->volume)) ||
	    !zero(&s->nodeid, sizeof(*s) - offsetof(struct csv_status, nodeid)))
		return -EINVAL;
	v = st_vol(s->volume);
	if (!v)
		return -ENOENT;
	ret = lun_load(v->path);
	if (ret)
		return ret;
	strcpy(s->volume, v->name);
	s->nodeid = s->coordinator = v->nodeid;
	s->role = CSV_ROLE_COORDINATOR;
	s->members = 1;
	s->epoch = le64_to_cpu(csv_tbl_hdr(&lun.t)->epoch);
	s->generation = le64_to_cpu(csv_tbl_hdr(&lun.t)->generation);
	s->lun_bytes = le64_to_cpu(lun.sb.lun_bytes);
	s->free_bytes = csv_tbl_free_units(&lun.t) << lun.t.alloc_shift;
	s->alloc_unit = 1U << lun.t.alloc_shift;
	s->disks = csv_tbl_count(&lun.t);
	for (i = 0; i < st.nopen; i++)
		s->open_disks += !strcmp(st.op[i].vol, v->name);
	if (le16_to_cpu(csv_tbl_hdr(&lun.t)->flags) & CSV_TBL_REDIRECTED)
		s->state |= CSV_STATE_REDIRECT_VOLUME;
	return 0;
}

/* The one node is the coordinator: only the volume's flag shows. */
static int do_redirect(struct csv_redirect *r)
{
	struct csv_tbl_hdr *h;
	struct fvol *v;
	int ret;

	if (r->size != sizeof(*r) || r->flags & ~CSV_REDIRECT_FLAGS_ALL ||
	    !named(r->volume, sizeof(r->volume)) || !r->volume[0])
		return -EINVAL;
	v = st_vol(r->volume);
	if (!v)
		return -ENOTCONN;
	if (!(r->flags & CSV_REDIRECT_VOLUME))
		return 0;
	ret = lun_load(v->path);
	if (ret)
		return ret;
	h = csv_tbl_hdr(&lun.t);
	h->flags = cpu_to_le16(r->flags & CSV_REDIRECT_ON ? CSV_TBL_REDIRECTED : 0);
	return lun_commit(v->path, v->nodeid);
}

static int do_list(struct csv_list *l)
{
	struct csv_disk_info *e;
	struct fopen *o;
	struct fvol *v;
	u32 i, n = 0;
	int ret;

	if (l->size != sizeof(*l) || l->flags || !named(l->volume, sizeof(l->volume)) ||
	    l->entry_size != sizeof(*e))
		return -EINVAL;
	v = l->volume[0] ? st_vol(l->volume) : NULL;
	if (!v)
		return -ENOENT;
	ret = lun_load(v->path);
	if (ret)
		return ret;
	e = (struct csv_disk_info *)(uintptr_t)l->entries;
	for (i = 0; i < lun.t.max_disks; i++) {
		const struct csv_disk_ent *d = csv_tbl_disk(&lun.t, i);

		if (!d->id)
			continue;
		if (n < l->count) {
			memset(&e[n], 0, sizeof(e[n]));
			e[n].id = le64_to_cpu(d->id);
			e[n].bytes = le64_to_cpu(d->bytes);
			e[n].extents = le32_to_cpu(d->nextents);
			strcpy(e[n].name, d->name);
			o = st_open(v->name, d->name);
			if (o) {
				e[n].flags = CSV_INFO_OPEN | (o->ro ? CSV_INFO_READ_ONLY : 0);
				e[n].index = o->index;
			}
		}
		n++;
	}
	l->count = n;
	return 0;
}

static int do_disk(unsigned long req, struct csv_disk_req *r)
{
	struct fopen *o;
	struct fvol *v;
	int idx, ret, fd;
	unsigned int n;

	if (r->size != sizeof(*r) || r->flags & ~CSV_DISK_FLAGS_ALL ||
	    !named(r->volume, sizeof(r->volume)) || !named(r->disk, sizeof(r->disk)) ||
	    !named(r->new_name, sizeof(r->new_name)) || r->id || r->minor || r->index)
		return -EINVAL;
	if ((r->flags & CSV_OPEN_READ_ONLY && req != CSV_OPEN) ||
	    (r->flags & CSV_RESIZE_SHRINK && req != CSV_RESIZE) ||
	    (r->new_name[0] && req != CSV_RENAME) ||
	    (r->bytes && req != CSV_CREATE && req != CSV_RESIZE))
		return -EINVAL;
	/* As csv.ko: not joined here, not a member of that volume. */
	v = r->volume[0] ? st_vol(r->volume) : NULL;
	if (!v)
		return -ENOTCONN;
	ret = lun_load(v->path);
	if (ret)
		return ret;
	if (req == CSV_CREATE) {
		u64 id;

		ret = csv_tbl_create(&lun.t, r->disk, r->bytes, &id);
		if (!ret)
			ret = lun_commit(v->path, v->nodeid);
		if (!ret)
			r->id = id;
		return ret;
	}
	ret = csv_name_check(r->disk, sizeof(r->disk));
	if (ret)
		return ret;
	idx = csv_tbl_find(&lun.t, r->disk);
	if (idx < 0)
		return idx;
	o = st_open(v->name, r->disk);
	switch (req) {
	case CSV_DELETE:
		if (o)
			return -EBUSY;
		csv_tbl_delete(&lun.t, idx);
		break;
	case CSV_RESIZE:
		ret = csv_tbl_resize(&lun.t, idx, r->bytes, r->flags & CSV_RESIZE_SHRINK);
		break;
	case CSV_RENAME:
		if (o)
			return -EBUSY;
		ret = csv_tbl_rename(&lun.t, idx, r->new_name);
		break;
	case CSV_OPEN:
		if (o)
			return -EBUSY;
		if (st.nopen == MAX_OPEN)
			return -ENOSPC;
		for (n = 0;; n++) {
			int i;

			for (i = 0; i < st.nopen && st.op[i].index != n; i++)
				;
			if (i == st.nopen)
				break;
		}
		o = &st.op[st.nopen++];
		strcpy(o->vol, v->name);
		strcpy(o->disk, r->disk);
		o->index = n;
		o->ro = !!(r->flags & CSV_OPEN_READ_ONLY);
		r->index = n;
		r->minor = n * 16;
		r->id = le64_to_cpu(csv_tbl_disk(&lun.t, idx)->id);
		fd = open(devnode(n), O_WRONLY | O_CREAT, 0644);
		if (fd >= 0)
			close(fd);
		return 0;
	case CSV_CLOSE:
		if (!o)
			return -ENXIO;
		unlink(devnode(o->index));
		*o = st.op[--st.nopen];
		return 0;
	}
	if (!ret)
		ret = lun_commit(v->path, v->nodeid);
	return ret;
}

static int fake(unsigned long req, void *arg)
{
	const char *path = getenv("CSV_FAKE_STATE");
	FILE *f;
	int ret;

	f = fopen(path, "a+");
	if (!f)
		return -EIO;
	flock(fileno(f), LOCK_EX);
	st_load(f);
	switch (req) {
	case CSV_JOIN:
		ret = do_join(arg);
		break;
	case CSV_LEAVE:
		ret = do_leave(arg);
		break;
	case CSV_STATUS:
		ret = do_status(arg);
		break;
	case CSV_LIST:
		ret = do_list(arg);
		break;
	case CSV_CREATE: case CSV_DELETE: case CSV_RESIZE: case CSV_RENAME:
	case CSV_OPEN: case CSV_CLOSE:
		ret = do_disk(req, arg);
		break;
	case CSV_REDIRECT:
		ret = do_redirect(arg);
		break;
	default:
		ret = -ENOTTY;
	}
	if (!ret)
		st_save(f);
	fclose(f);
	return ret;
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	const char *state = getenv("CSV_FAKE_STATE");
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (state && *state && _IOC_TYPE(req) == CSV_IOC_MAGIC) {
		ret = fake(req, arg);
		if (ret) {
			errno = -ret;
			return -1;
		}
		return 0;
	}
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	return real(fd, req, arg);
}
