// SPDX-License-Identifier: GPL-2.0
/*
 * csvctl format and inspect: the LUN itself, without csv.ko. Block devices
 * are read and written with O_DIRECT (other nodes write the LUN behind our
 * page cache), through 4 KiB aligned buffers; regular files (test images)
 * through the page cache, then fsync.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "csvctl.h"
#include "csv_format.h"

#define ALIGN			4096U

struct lun {
	const char *path;
	int fd;
	bool blkdev;
	u64 bytes;
};

static void *xmemalign(size_t n)
{
	void *p;

	if (posix_memalign(&p, ALIGN, n)) {
		warnx_("out of memory");
		exit(1);
	}
	memset(p, 0, n);
	return p;
}

/* Open PATH, a block device or a regular file; -errno. */
static int lun_open(struct lun *l, const char *path, bool write)
{
	int flags = (write ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	struct stat st;
	int err;

	l->path = path;
	l->fd = open(path, flags);
	if (l->fd < 0)
		return -errno;
	if (fstat(l->fd, &st))
		goto fail;
	l->blkdev = S_ISBLK(st.st_mode);
	if (l->blkdev) {
		/* Again, now exclusive when writing, and past the page cache. */
		close(l->fd);
		l->fd = open(path, flags | O_DIRECT | (write ? O_EXCL : 0));
		if (l->fd < 0)
			return -errno;
		if (ioctl(l->fd, BLKGETSIZE64, &l->bytes))
			goto fail;
	} else if (S_ISREG(st.st_mode)) {
		l->bytes = st.st_size;
	} else {
		close(l->fd);
		return -ENOTBLK;
	}
	return 0;
fail:
	err = errno;
	close(l->fd);
	return -err;
}

/* LEN bytes at OFF into BUF; both 4 KiB multiples, BUF aligned. -errno. */
static int lun_io(struct lun *l, void *buf, size_t len, u64 off, bool write)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if (write)
			n = pwrite(l->fd, (char *)buf + done, len - done, off + done);
		else
			n = pread(l->fd, (char *)buf + done, len - done, off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			if (write)
				return -EIO;
			/* A short regular file reads as zeros past its end. */
			memset((char *)buf + done, 0, len - done);
			break;
		}
		done += n;
	}
	return 0;
}

/*
 * A region that need not be aligned (table offsets are only 512-aligned):
 * read the 4 KiB aligned window around it, copy out. -errno.
 */
static int lun_read(struct lun *l, void *dst, size_t len, u64 off)
{
	u64 start = off & ~(u64)(ALIGN - 1);
	size_t win = ((off + len + ALIGN - 1) & ~(u64)(ALIGN - 1)) - start;
	void *buf = xmemalign(win);
	int ret;

	ret = lun_io(l, buf, win, start, false);
	if (!ret)
		memcpy(dst, (char *)buf + (off - start), len);
	free(buf);
	return ret;
}

static void uuid_str(const u8 *u, char out[37])
{
	static const int dash[] = { 4, 6, 8, 10 };
	int i, k = 0, d = 0;

	for (i = 0; i < 16; i++) {
		if (d < 4 && i == dash[d]) {
			out[k++] = '-';
			d++;
		}
		sprintf(out + k, "%02x", u[i]);
		k += 2;
	}
	out[k] = '\0';
}

/* ---- format ---- */

/* The superblock at the start of L, if it holds one we must not clobber. */
static bool holds_volume(struct lun *l, char name[CSV_NAME_LEN])
{
	struct csv_sb *sb = xmemalign(CSV_SB_BYTES);
	const char *why;
	bool ret = false;
	int r;

	if (!lun_io(l, sb, CSV_SB_BYTES, CSV_SB_OFFSET, false)) {
		/* The LUN's size does not matter: it may have shrunk. */
		r = csv_sb_check(sb, UINT64_MAX, &why);
		if (!r || r == -EOPNOTSUPP) {
			memcpy(name, sb->name, CSV_NAME_LEN);
			name[CSV_NAME_LEN - 1] = '\0';
			ret = true;
		}
	}
	free(sb);
	return ret;
}

/* Read back what format wrote: same bytes, both checks pass. */
static int format_verify(const char *path, const void *sb, const void *tbl,
			 const char **why)
{
	void *b = xmemalign(CSV_TBL_ROOM), *scratch = xmemalign(CSV_SCRATCH_BYTES);
	struct csv_table t;
	struct lun l;
	int ret;

	*why = NULL;
	ret = lun_open(&l, path, false);
	if (ret)
		goto out;
	ret = lun_io(&l, b, CSV_SB_BYTES, CSV_SB_OFFSET, false);
	if (!ret && (memcmp(b, sb, CSV_SB_BYTES) ||
		     csv_sb_check(b, l.bytes, why)))
		ret = -EIO;
	if (!ret)
		ret = lun_io(&l, b, CSV_TBL_ROOM, CSV_TBL_OFFSET_A, false);
	if (!ret) {
		csv_tbl_bind(&t, sb, b, scratch);
		if (memcmp(b, tbl, CSV_TBL_ROOM) || csv_tbl_check(&t, sb, why))
			ret = -EIO;
	}
	if (ret == -EIO && !*why)
		*why = "read back differs from what was written";
	close(l.fd);
out:
	free(b);
	free(scratch);
	return ret;
}

static int format_usage(void)
{
	warnx_("format: usage: format [--force] --name VOLUME DEVICE");
	return 2;
}

int cmd_format(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *dev, *why = NULL;
	char old[CSV_NAME_LEN], us[37];
	struct csv_table t;
	struct csv_sb *sb;
	void *tbl, *scratch, *zero;
	bool force = false;
	u8 uuid[16];
	struct lun l;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "fn:", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'n':
			name = optarg;
			break;
		default:
			return format_usage();
		}
	}
	if (!name || optind != argc - 1)
		return format_usage();
	dev = argv[optind];
	ret = csv_name_check(name, CSV_NAME_LEN);
	if (ret) {
		op_err(-ret, "format %s: volume name '%s'", dev, name);
		return 1;
	}
	ret = lun_open(&l, dev, true);
	if (ret) {
		op_err(-ret, "format %s", dev);
		return 1;
	}
	if (!force && holds_volume(&l, old)) {
		op_err(EEXIST, "format %s: holds csv volume '%s' (--force formats it anyway)",
		       dev, old);
		close(l.fd);
		return 1;
	}
	if (getrandom(uuid, sizeof(uuid), 0) != sizeof(uuid)) {
		op_err(errno, "format %s: getrandom", dev);
		close(l.fd);
		return 1;
	}
	uuid[6] = (uuid[6] & 0x0f) | 0x40;	/* RFC 4122 version 4 */
	uuid[8] = (uuid[8] & 0x3f) | 0x80;

	sb = xmemalign(CSV_SB_BYTES);
	tbl = xmemalign(CSV_TBL_ROOM);
	scratch = xmemalign(CSV_SCRATCH_BYTES);
	zero = xmemalign(CSV_TBL_ROOM);
	csv_sb_init(sb, name, uuid, l.bytes, time(NULL));
	if (!le64_to_cpu(sb->data_units)) {
		op_err(ENOSPC, "format %s: %" PRIu64 " bytes hold no allocation unit (%llu at least)",
		       dev, (uint64_t)l.bytes,
		       CSV_DATA_START + (1ULL << CSV_ALLOC_SHIFT));
		ret = 1;
		goto out;
	}
	csv_tbl_bind(&t, sb, tbl, scratch);
	csv_tbl_init(&t, sb);
	csv_tbl_hdr(&t)->generation = cpu_to_le64(1);
	csv_tbl_seal(&t, 0);

	ret = lun_io(&l, sb, CSV_SB_BYTES, CSV_SB_OFFSET, true);
	if (!ret)
		ret = lun_io(&l, tbl, CSV_TBL_ROOM, le64_to_cpu(sb->tbl_offset[0]), true);
	if (!ret)
		ret = lun_io(&l, zero, CSV_TBL_ROOM, le64_to_cpu(sb->tbl_offset[1]), true);
	if (!ret && fsync(l.fd))
		ret = -errno;
	if (ret) {
		op_err(-ret, "format %s: write", dev);
		ret = 1;
		goto out;
	}
	close(l.fd);
	l.fd = -1;
	ret = format_verify(dev, sb, tbl, &why);
	if (ret) {
		op_err(-ret, "format %s: verify%s%s", dev, why ? ": " : "", why ? why : "");
		ret = 1;
		goto out;
	}
	uuid_str(uuid, us);
	printf("volume %s uuid %s data_units %llu\n", name, us,
	       (unsigned long long)le64_to_cpu(sb->data_units));
out:
	if (l.fd >= 0)
		close(l.fd);
	free(sb);
	free(tbl);
	free(scratch);
	free(zero);
	return ret;
}

/* ---- inspect ---- */

static void print_sb(const struct csv_sb *sb, u64 dev_bytes)
{
	time_t ft = le64_to_cpu(sb->format_time);
	char us[37], when[32] = "?";
	struct tm tm;

	uuid_str(sb->uuid, us);
	if (gmtime_r(&ft, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("volume: %s\n", sb->name);
	printf("uuid: %s\n", us);
	printf("version: %u\n", le32_to_cpu(sb->version));
	printf("lun_bytes: %llu\n", (unsigned long long)le64_to_cpu(sb->lun_bytes));
	printf("device_bytes: %llu\n", (unsigned long long)dev_bytes);
	printf("data_start: %llu\n", (unsigned long long)le64_to_cpu(sb->data_start));
	printf("data_units: %llu\n", (unsigned long long)le64_to_cpu(sb->data_units));
	printf("alloc_unit: %llu\n", 1ULL << le32_to_cpu(sb->alloc_shift));
	printf("max_disks: %u\n", le32_to_cpu(sb->max_disks));
	printf("max_nodes: %u\n", le32_to_cpu(sb->max_nodes));
	printf("features: compat 0x%x incompat 0x%x ro_compat 0x%x\n",
	       le32_to_cpu(sb->feat_compat), le32_to_cpu(sb->feat_incompat),
	       le32_to_cpu(sb->feat_ro_compat));
	printf("format_time: %llu (%s)\n", (unsigned long long)ft, when);
}

static void print_nodes(const struct csv_table *t)
{
	char addr[INET6_ADDRSTRLEN];
	u32 i, n = 0;

	for (i = 0; i < t->max_nodes; i++)
		n += !!(le32_to_cpu(csv_tbl_node(t, i)->flags) & CSV_NODE_JOINED);
	printf("nodes: %u\n", n);
	for (i = 0; i < t->max_nodes; i++) {
		const struct csv_node_slot *s = csv_tbl_node(t, i);
		u16 fam = le16_to_cpu(s->family);

		if (!(le32_to_cpu(s->flags) & CSV_NODE_JOINED))
			continue;
		if (!inet_ntop(fam == 6 ? AF_INET6 : AF_INET, s->addr,
			       addr, sizeof(addr)))
			strcpy(addr, "?");
		printf("  node %u addr %s port %u join_epoch %llu\n",
		       le32_to_cpu(s->nodeid), addr, le16_to_cpu(s->port),
		       (unsigned long long)le64_to_cpu(s->join_epoch));
	}
}

static void print_disks(const struct csv_table *t)
{
	u32 i, j, n = csv_tbl_count(t);

	printf("disks: %u\n", n);
	if (!n)
		return;
	printf("  %-24s %6s %16s %7s %s\n", "NAME", "ID", "BYTES", "EXTENTS",
	       "UNITS");
	for (i = 0; i < t->max_disks; i++) {
		const struct csv_disk_ent *d = csv_tbl_disk(t, i);
		u32 ne = le32_to_cpu(d->nextents);

		if (!d->id)
			continue;
		printf("  %-24s %6llu %16llu %7u ", d->name,
		       (unsigned long long)le64_to_cpu(d->id),
		       (unsigned long long)le64_to_cpu(d->bytes), ne);
		for (j = 0; j < ne; j++)
			printf("%s%llu+%llu", j ? "," : "",
			       (unsigned long long)le64_to_cpu(d->ext[j].start),
			       (unsigned long long)le64_to_cpu(d->ext[j].units));
		printf("%s\n", ne ? "" : "-");
	}
}

int cmd_inspect(int argc, char **argv)
{
	struct csv_table t[2];
	const char *why;
	void *buf[2] = { NULL, NULL }, *scratch = NULL;
	struct csv_sb *sb = NULL;
	int i, ret, best = -1;
	bool ok[2];
	struct lun l;

	if (argc != 2) {
		warnx_("inspect: usage: inspect DEVICE");
		return 2;
	}
	ret = lun_open(&l, argv[1], false);
	if (ret) {
		op_err(-ret, "inspect %s", argv[1]);
		return 1;
	}
	sb = xmemalign(CSV_SB_BYTES);
	ret = lun_io(&l, sb, CSV_SB_BYTES, CSV_SB_OFFSET, false);
	if (ret) {
		op_err(-ret, "inspect %s: read", argv[1]);
		ret = 1;
		goto out;
	}
	ret = csv_sb_check(sb, l.bytes, &why);
	if (ret) {
		fprintf(stderr, "%s: %s: %s (%s)\n", progname, argv[1], why,
			errname(-ret));
		ret = 1;
		goto out;
	}
	print_sb(sb, l.bytes);
	scratch = xmemalign(CSV_SCRATCH_BYTES);
	for (i = 0; i < 2; i++) {
		const struct csv_tbl_hdr *h;

		buf[i] = xmemalign(CSV_TBL_ROOM);
		csv_tbl_bind(&t[i], sb, buf[i], scratch);
		ret = lun_read(&l, buf[i], t[i].bytes, le64_to_cpu(sb->tbl_offset[i]));
		if (ret) {
			op_err(-ret, "inspect %s: read table %c", argv[1], 'A' + i);
			ret = 1;
			goto out;
		}
		h = csv_tbl_hdr(&t[i]);
		ok[i] = !csv_tbl_check(&t[i], sb, &why);
		if (ok[i] && (best < 0 || le64_to_cpu(h->generation) >
			      le64_to_cpu(csv_tbl_hdr(&t[best])->generation)))
			best = i;
		printf("table %c: ", 'A' + i);
		if (ok[i])
			printf("valid");
		else
			printf("invalid (%s)", why);
		if (!memcmp(h->magic, CSV_TBL_MAGIC, sizeof(h->magic)))
			printf(", generation %llu, epoch %llu, writer %u",
			       (unsigned long long)le64_to_cpu(h->generation),
			       (unsigned long long)le64_to_cpu(h->epoch),
			       le32_to_cpu(h->writer));
		printf("\n");
	}
	if (best < 0) {
		fprintf(stderr, "%s: %s: no valid disk table (%s)\n", progname,
			argv[1], errname(EUCLEAN));
		ret = 1;
		goto out;
	}
	printf("current: %c, generation %llu, next_id %llu\n", 'A' + best,
	       (unsigned long long)le64_to_cpu(csv_tbl_hdr(&t[best])->generation),
	       (unsigned long long)le64_to_cpu(csv_tbl_hdr(&t[best])->next_id));
	printf("free_units: %llu\n", (unsigned long long)csv_tbl_free_units(&t[best]));
	printf("io: %s\n", le16_to_cpu(csv_tbl_hdr(&t[best])->flags) & CSV_TBL_REDIRECTED ?
	       "redirected" : "direct");
	print_nodes(&t[best]);
	print_disks(&t[best]);
	ret = 0;
out:
	close(l.fd);
	free(sb);
	free(buf[0]);
	free(buf[1]);
	free(scratch);
	return ret;
}
