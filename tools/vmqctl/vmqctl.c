// SPDX-License-Identifier: GPL-2.0
/*
 * vmqctl - show and set a vmq switch (vmq.ko) through its sysfs files
 * (Documentation/ABI/testing/sysfs-class-net-vmq): the switch's settings
 * in <root>/<switch>/vmq/, a port's in <root>/<port>/vmq_port/, where
 * <root> is $VMQCTL_SYSFS or /sys/class/net. A switch's ports are the
 * devices whose "master" link names it and that have a vmq_port folder.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "progmsg.h"

#ifndef VMQCTL_VERSION
#define VMQCTL_VERSION "0.1"
#endif

#define ARRAY_SIZE(x)		(sizeof(x) / sizeof((x)[0]))

#define MAX_COLS		16
#define ATTR_MAX		4096

const char *progname = "vmqctl";
static bool json;

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		warnx_("out of memory");
		exit(1);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

static const char *sysfs_root(void)
{
	const char *r = getenv("VMQCTL_SYSFS");

	return r && *r ? r : "/sys/class/net";
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A device name we may put in a path: no '/', not "." or "..". */
static bool name_ok(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..") && strlen(name) < NAME_MAX;
}

/* <root>/<dev>/<sub>, malloc'd. */
static char *dev_dir(const char *dev, const char *sub)
{
	return xasprintf("%s/%s/%s", sysfs_root(), dev, sub);
}

static bool is_switch(const char *dev)
{
	char *d = dev_dir(dev, "vmq");
	bool r = is_dir(d);

	free(d);
	return r;
}

static bool is_port(const char *dev)
{
	char *d = dev_dir(dev, "vmq_port");
	bool r = is_dir(d);

	free(d);
	return r;
}

/*
 * DIR/NAME's content without trailing newlines, malloc'd; NULL (errno
 * set) when it cannot be read.
 */
static char *read_attr(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *buf = xmalloc(ATTR_MAX);
	ssize_t n;
	size_t len = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		goto fail;
	while (len < ATTR_MAX - 1) {
		n = read(fd, buf + len, ATTR_MAX - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			close(fd);
			errno = err;
			goto fail;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	return buf;
fail:
	free(buf);
	return NULL;
}

/* An attribute as text: its value, or "?" when unreadable. */
struct attrs {
	const char *const *names;
	size_t n;
	char **val;
};

static void attrs_read(struct attrs *a, const char *dir,
		       const char *const *names, size_t n)
{
	size_t i;

	a->names = names;
	a->n = n;
	a->val = xmalloc(n * sizeof(*a->val));
	for (i = 0; i < n; i++)
		a->val[i] = read_attr(dir, names[i]);
}

static void attrs_free(struct attrs *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->val[i]);
	free(a->val);
}

/* NAME's value, NULL when it could not be read. */
static const char *attr_raw(const struct attrs *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!strcmp(a->names[i], name))
			return a->val[i];
	return NULL;
}

/* NAME's value, "?" when it could not be read. */
static const char *attr(const struct attrs *a, const char *name)
{
	const char *v = attr_raw(a, name);

	return v ? v : "?";
}

static const char *const switch_attrs[] = {
	"ageing_time", "max_learned", "learned", "learn_dropped",
	"max_queues", "queues_used", "dynamic", "home_cpu", "cpus",
	"spread_pps", "coalesce_pps", "hw_offload", "uplink",
};

static const char *const port_attrs[] = {
	"role", "vlan_mode", "pvid", "trunk_vids", "mac", "mac_guard",
	"max_learned", "learned", "storm_pps", "max_rate_kbps", "mirror",
	"monitor", "weight", "queue_cpu", "queue", "cpu", "hw_rule",
};

/* Attributes that are text even when they look like a number. */
static const char *const string_attrs[] = {
	"role", "vlan_mode", "trunk_vids", "mac", "cpus", "hw_offload",
	"uplink",
};

/* ---- JSON output ---- */

static void json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putchar('"');
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* A JSON number: -?(0|[1-9][0-9]*) */
static bool is_json_int(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		return !s[1];
	if (*s < '1' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	return !*s;
}

static bool is_string_attr(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(string_attrs); i++)
		if (!strcmp(string_attrs[i], name))
			return true;
	return false;
}

/* "name": value; a value that could not be read is null. */
static void json_member(const char *name, const char *val, bool *first)
{
	if (!*first)
		putchar(',');
	*first = false;
	json_str(name);
	putchar(':');
	if (!val)
		fputs("null", stdout);
	else if (!is_string_attr(name) && is_json_int(val))
		fputs(val, stdout);
	else
		json_str(val);
}

static void json_attrs(const struct attrs *a, bool *first)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		json_member(a->names[i], a->val[i], first);
}

/* ---- text tables ---- */

struct table {
	int ncols;
	const char *head[MAX_COLS];
	char **cells;		/* rows * ncols, malloc'd strings */
	size_t rows, cap;
};

static void table_init(struct table *t, const char *const *head, int ncols)
{
	int i;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	for (i = 0; i < ncols; i++)
		t->head[i] = head[i];
}

/* Add one row of ncols cells (NULL prints as "-"). */
static void table_add(struct table *t, const char *const *cells)
{
	int i;

	if (t->rows == t->cap) {
		char **n;

		t->cap = t->cap ? 2 * t->cap : 8;
		n = xmalloc(t->cap * t->ncols * sizeof(*n));
		if (t->rows)
			memcpy(n, t->cells, t->rows * t->ncols * sizeof(*n));
		free(t->cells);
		t->cells = n;
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[t->rows * t->ncols + i] =
			xstrdup(cells[i] && *cells[i] ? cells[i] : "-");
	t->rows++;
}

/* Cells are left-aligned and two blanks apart; the last ends the line. */
static void print_cell(bool last, size_t width, const char *s)
{
	if (last)
		printf("%s\n", s);
	else
		printf("%-*s  ", (int)width, s);
}

static void table_print(struct table *t)
{
	size_t w[MAX_COLS], r, l;
	int i;

	for (i = 0; i < t->ncols; i++) {
		w[i] = strlen(t->head[i]);
		for (r = 0; r < t->rows; r++) {
			l = strlen(t->cells[r * t->ncols + i]);
			if (l > w[i])
				w[i] = l;
		}
	}
	for (i = 0; i < t->ncols; i++)
		print_cell(i == t->ncols - 1, w[i], t->head[i]);
	for (r = 0; r < t->rows; r++)
		for (i = 0; i < t->ncols; i++)
			print_cell(i == t->ncols - 1, w[i],
				   t->cells[r * t->ncols + i]);
	for (r = 0; r < t->rows * t->ncols; r++)
		free(t->cells[r]);
	free(t->cells);
}

/* "-" for a -1 (none) or 0 (no limit) where that is what it means. */
static const char *dash_if(const char *v, const char *none)
{
	return !strcmp(v, none) ? "-" : v;
}

static const char *on_off(const char *v)
{
	if (!strcmp(v, "1"))
		return "on";
	if (!strcmp(v, "0"))
		return "off";
	return v;
}

/* ---- devices ---- */

static int name_cmp(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* Names under the root for which keep(name, arg) holds, sorted. */
static char **list_devs(bool (*keep)(const char *, const void *),
			const void *arg, size_t *n)
{
	DIR *d = opendir(sysfs_root());
	struct dirent *e;
	char **v = NULL, **nv;
	size_t cap = 0;

	*n = 0;
	if (!d) {
		warnx_("%s: %s", sysfs_root(), strerror(errno));
		exit(1);
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !keep(e->d_name, arg))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			nv = xmalloc(cap * sizeof(*v));
			if (*n)
				memcpy(nv, v, *n * sizeof(*v));
			free(v);
			v = nv;
		}
		v[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), name_cmp);
	return v;
}

static void free_devs(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool keep_switch(const char *name, const void *arg)
{
	(void)arg;
	return is_switch(name);
}

/* A port of switch ARG: a vmq_port folder and "master" naming ARG. */
static bool keep_port_of(const char *name, const void *arg)
{
	char *link = dev_dir(name, "master");
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(link, target, sizeof(target) - 1);
	free(link);
	if (n <= 0)
		return false;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	return !strcmp(base, arg) && is_port(name);
}

static char **list_ports(const char *sw, size_t *n)
{
	return list_devs(keep_port_of, sw, n);
}

/* The switch a port belongs to, malloc'd, or NULL. */
static char *port_switch(const char *port)
{
	char *link = dev_dir(port, "master");
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(link, target, sizeof(target) - 1);
	free(link);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	base = strrchr(target, '/');
	return xstrdup(base ? base + 1 : target);
}

static int check_switch(const char *sw)
{
	if (!name_ok(sw)) {
		warnx_("invalid device name '%s'", sw);
		return -1;
	}
	if (!is_switch(sw)) {
		char *d = dev_dir(sw, "vmq");

		warnx_("%s: not a vmq switch (%s: %s)", sw, d,
		       strerror(ENOENT));
		free(d);
		return -1;
	}
	return 0;
}

static int check_port(const char *port)
{
	if (!name_ok(port)) {
		warnx_("invalid device name '%s'", port);
		return -1;
	}
	if (!is_port(port)) {
		char *d = dev_dir(port, "vmq_port");

		warnx_("%s: not a vmq port (%s: %s)", port, d,
		       strerror(ENOENT));
		free(d);
		return -1;
	}
	return 0;
}

/* ---- show ---- */

static const char *const port_head[] = {
	"PORT", "ROLE", "VLAN", "PVID", "TRUNK", "MAC", "GUARD", "LEARNED",
	"STORM_PPS", "RATE_KBPS", "WEIGHT", "QUEUE", "CPU", "PIN", "HW_RULE",
	"FLAGS",
};

static void show_port_row(struct table *t, const char *port)
{
	char *dir = dev_dir(port, "vmq_port");
	const char *cells[ARRAY_SIZE(port_head)];
	char *learned, flags[32] = "";
	struct attrs a;

	attrs_read(&a, dir, port_attrs, ARRAY_SIZE(port_attrs));
	learned = xasprintf("%s/%s", attr(&a, "learned"),
			    dash_if(attr(&a, "max_learned"), "0"));
	if (!strcmp(attr(&a, "mirror"), "1"))
		strcat(flags, "mirror");
	if (!strcmp(attr(&a, "monitor"), "1"))
		strcat(flags, *flags ? ",monitor" : "monitor");
	cells[0] = port;
	cells[1] = attr(&a, "role");
	cells[2] = attr(&a, "vlan_mode");
	cells[3] = dash_if(attr(&a, "pvid"), "0");
	cells[4] = attr(&a, "trunk_vids");
	cells[5] = dash_if(attr(&a, "mac"), "00:00:00:00:00:00");
	cells[6] = on_off(attr(&a, "mac_guard"));
	cells[7] = learned;
	cells[8] = dash_if(attr(&a, "storm_pps"), "0");
	cells[9] = dash_if(attr(&a, "max_rate_kbps"), "0");
	cells[10] = attr(&a, "weight");
	cells[11] = dash_if(attr(&a, "queue"), "-1");
	cells[12] = dash_if(attr(&a, "cpu"), "-1");
	cells[13] = dash_if(attr(&a, "queue_cpu"), "-1");
	cells[14] = dash_if(attr(&a, "hw_rule"), "-1");
	cells[15] = flags;
	table_add(t, cells);
	free(learned);
	attrs_free(&a);
	free(dir);
}

static void show_text(const char *sw, char **ports, size_t nports)
{
	char *dir = dev_dir(sw, "vmq");
	struct table t;
	struct attrs a;
	size_t i;

	attrs_read(&a, dir, switch_attrs, ARRAY_SIZE(switch_attrs));
	printf("switch %s\n", sw);
	printf("  fdb:     ageing_time %s s, learned %s (max %s), learn_dropped %s\n",
	       attr(&a, "ageing_time"), attr(&a, "learned"),
	       !strcmp(attr(&a, "max_learned"), "0") ? "none" :
	       attr(&a, "max_learned"), attr(&a, "learn_dropped"));
	printf("  queues:  %s used of %s, dynamic %s, home_cpu %s, cpus %s, ",
	       attr(&a, "queues_used"), attr(&a, "max_queues"),
	       on_off(attr(&a, "dynamic")), attr(&a, "home_cpu"),
	       attr(&a, "cpus"));
	printf("spread_pps %s, coalesce_pps %s\n", attr(&a, "spread_pps"),
	       attr(&a, "coalesce_pps"));
	printf("  uplink:  %s, hw_offload %s\n",
	       *attr(&a, "uplink") ? attr(&a, "uplink") : "none",
	       attr(&a, "hw_offload"));
	attrs_free(&a);
	free(dir);
	if (!nports) {
		printf("  no ports\n");
		return;
	}
	table_init(&t, port_head, ARRAY_SIZE(port_head));
	for (i = 0; i < nports; i++)
		show_port_row(&t, ports[i]);
	table_print(&t);
}

static void show_json(const char *sw, char **ports, size_t nports)
{
	char *dir = dev_dir(sw, "vmq");
	struct attrs a;
	bool first = false;
	size_t i;

	attrs_read(&a, dir, switch_attrs, ARRAY_SIZE(switch_attrs));
	fputs("{\"switch\":", stdout);
	json_str(sw);
	json_attrs(&a, &first);
	attrs_free(&a);
	free(dir);
	fputs(",\"ports\":[", stdout);
	for (i = 0; i < nports; i++) {
		dir = dev_dir(ports[i], "vmq_port");
		attrs_read(&a, dir, port_attrs, ARRAY_SIZE(port_attrs));
		fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
		json_str(ports[i]);
		first = false;
		json_attrs(&a, &first);
		putchar('}');
		attrs_free(&a);
		free(dir);
	}
	fputs("]}", stdout);
}

static int cmd_show(int argc, char **argv)
{
	char **sws, **ports;
	size_t nsw, np, i;
	int ret = 0;

	if (argc > 1) {
		warnx_("show: one switch at most");
		return 2;
	}
	if (argc == 1) {
		if (check_switch(argv[0]))
			return 1;
		nsw = 1;
		sws = xmalloc(sizeof(*sws));
		sws[0] = xstrdup(argv[0]);
	} else {
		sws = list_devs(keep_switch, NULL, &nsw);
	}
	if (json)
		putchar('[');
	for (i = 0; i < nsw; i++) {
		ports = list_ports(sws[i], &np);
		if (json) {
			if (i)
				putchar(',');
			show_json(sws[i], ports, np);
		} else {
			if (i)
				putchar('\n');
			show_text(sws[i], ports, np);
		}
		free_devs(ports, np);
	}
	if (json)
		puts("]");
	free_devs(sws, nsw);
	return ret;
}

/* ---- queues ---- */

struct qrow {
	long queue;
	char *port;
	struct attrs a;
	char *packets, *moves, *tx_packets;
};

static int qrow_cmp(const void *a, const void *b)
{
	const struct qrow *x = a, *y = b;

	if (x->queue != y->queue)
		return x->queue < y->queue ? -1 : 1;
	return strverscmp(x->port, y->port);
}

static const char *const queue_head[] = {
	"QUEUE", "PORT", "MAC", "VLAN", "CPU", "PACKETS", "MOVES",
};

static int cmd_queues(int argc, char **argv)
{
	const char *cells[ARRAY_SIZE(queue_head)];
	unsigned long long dflt_pkts = 0;
	bool dflt_known = true, first;
	struct qrow *q;
	size_t np, i;
	char **ports, *dflt_ports, *dir, *end, num[32];
	const char *sw;
	struct table t;

	if (argc != 1) {
		warnx_("queues: need one switch");
		return 2;
	}
	sw = argv[0];
	if (check_switch(sw))
		return 1;
	ports = list_ports(sw, &np);
	q = xmalloc(np * sizeof(*q));
	for (i = 0; i < np; i++) {
		dir = dev_dir(ports[i], "vmq_port");
		q[i].port = ports[i];
		attrs_read(&q[i].a, dir, port_attrs, ARRAY_SIZE(port_attrs));
		free(dir);
		dir = dev_dir(ports[i], "vmq_port/statistics");
		q[i].packets = read_attr(dir, "queue_packets");
		q[i].moves = read_attr(dir, "queue_moves");
		q[i].tx_packets = read_attr(dir, "tx_packets");
		free(dir);
		errno = 0;
		q[i].queue = strtol(attr(&q[i].a, "queue"), &end, 10);
		if (errno || *end || end == attr(&q[i].a, "queue"))
			q[i].queue = -1;
	}
	qsort(q, np, sizeof(*q), qrow_cmp);

	/*
	 * The default queue carries what reaches the VM ports without a
	 * queue of their own: their tx_packets (frames given to them).
	 */
	dflt_ports = xstrdup("");
	for (i = 0; i < np; i++) {
		char *s;

		if (q[i].queue >= 0 || strcmp(attr(&q[i].a, "role"), "vm"))
			continue;
		s = xasprintf("%s%s%s", dflt_ports, *dflt_ports ? "," : "",
			      q[i].port);
		free(dflt_ports);
		dflt_ports = s;
		if (q[i].tx_packets && is_json_int(q[i].tx_packets))
			dflt_pkts += strtoull(q[i].tx_packets, NULL, 10);
		else
			dflt_known = false;
	}
	snprintf(num, sizeof(num), "%llu", dflt_pkts);

	if (json) {
		fputs("{\"switch\":", stdout);
		json_str(sw);
		fputs(",\"queues\":[", stdout);
		first = true;
		for (i = 0; i < np; i++) {
			bool f = false;

			if (q[i].queue < 0)
				continue;
			printf("%s{\"queue\":%ld", first ? "" : ",",
			       q[i].queue);
			first = false;
			json_member("port", q[i].port, &f);
			json_member("mac", attr_raw(&q[i].a, "mac"), &f);
			json_member("vlan", attr_raw(&q[i].a, "pvid"), &f);
			json_member("cpu", attr_raw(&q[i].a, "cpu"), &f);
			json_member("queue_cpu", attr_raw(&q[i].a, "queue_cpu"), &f);
			json_member("packets", q[i].packets, &f);
			json_member("moves", q[i].moves, &f);
			putchar('}');
		}
		fputs("],\"default\":{\"ports\":[", stdout);
		first = true;
		for (i = 0; i < np; i++) {
			if (q[i].queue >= 0 || strcmp(attr(&q[i].a, "role"), "vm"))
				continue;
			if (!first)
				putchar(',');
			first = false;
			json_str(q[i].port);
		}
		first = false;
		fputs("]", stdout);
		json_member("packets", dflt_known ? num : NULL, &first);
		puts("}}");
	} else {
		table_init(&t, queue_head, ARRAY_SIZE(queue_head));
		for (i = 0; i < np; i++) {
			if (q[i].queue < 0)
				continue;
			cells[0] = attr(&q[i].a, "queue");
			cells[1] = q[i].port;
			cells[2] = attr(&q[i].a, "mac");
			cells[3] = dash_if(attr(&q[i].a, "pvid"), "0");
			cells[4] = dash_if(attr(&q[i].a, "cpu"), "-1");
			cells[5] = q[i].packets ? q[i].packets : "?";
			cells[6] = q[i].moves ? q[i].moves : "?";
			table_add(&t, cells);
		}
		cells[0] = "default";
		cells[1] = dflt_ports;
		cells[2] = "-";
		cells[3] = "-";
		cells[4] = "-";
		cells[5] = dflt_known ? num : "?";
		cells[6] = "-";
		table_add(&t, cells);
		table_print(&t);
	}
	for (i = 0; i < np; i++) {
		attrs_free(&q[i].a);
		free(q[i].packets);
		free(q[i].moves);
		free(q[i].tx_packets);
	}
	free(dflt_ports);
	free(q);
	free_devs(ports, np);
	return 0;
}

/* ---- stats ---- */

static const char *const stat_order[] = {
	"rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "queue_packets",
	"queue_moves", "queue_cpu", "drop_spoof", "drop_storm", "drop_rate",
	"drop_vlan", "drop_mtu", "drop_malformed", "drop_queue",
};

/* Rank of a counter name in stat_order; queue_cpu<N> ranks as queue_cpu. */
static size_t stat_rank(const char *name, long *cpu)
{
	size_t i;
	char *end;

	*cpu = -1;
	if (!strncmp(name, "queue_cpu", 9) && name[9]) {
		*cpu = strtol(name + 9, &end, 10);
		if (!*end && *cpu >= 0)
			name = "queue_cpu";
		else
			*cpu = -1;
	}
	for (i = 0; i < ARRAY_SIZE(stat_order); i++)
		if (!strcmp(stat_order[i], name))
			return i;
	return ARRAY_SIZE(stat_order);
}

static int stat_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	long cx, cy;
	size_t rx = stat_rank(x, &cx), ry = stat_rank(y, &cy);

	if (rx != ry)
		return rx < ry ? -1 : 1;
	if (cx != cy)
		return cx < cy ? -1 : 1;
	return strcmp(x, y);
}

static int cmd_stats(int argc, char **argv)
{
	char **names = NULL, **nn, *dir, *v;
	size_t n = 0, cap = 0, i, w = 0;
	bool first = false;
	struct dirent *e;
	char *sw;
	DIR *d;

	if (argc != 1) {
		warnx_("stats: need one port");
		return 2;
	}
	if (check_port(argv[0]))
		return 1;
	dir = dev_dir(argv[0], "vmq_port/statistics");
	d = opendir(dir);
	if (!d) {
		warnx_("%s: %s", dir, strerror(errno));
		free(dir);
		return 1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			nn = xmalloc(cap * sizeof(*nn));
			if (n)
				memcpy(nn, names, n * sizeof(*nn));
			free(names);
			names = nn;
		}
		names[n++] = xstrdup(e->d_name);
		if (strlen(e->d_name) > w)
			w = strlen(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), stat_cmp);
	if (json) {
		fputs("{\"port\":", stdout);
		json_str(argv[0]);
		sw = port_switch(argv[0]);
		fputs(",\"switch\":", stdout);
		if (sw)
			json_str(sw);
		else
			fputs("null", stdout);
		free(sw);
		fputs(",\"statistics\":{", stdout);
		first = true;
	}
	for (i = 0; i < n; i++) {
		v = read_attr(dir, names[i]);
		if (json)
			json_member(names[i], v, &first);
		else
			printf("%-*s  %s\n", (int)w, names[i], v ? v : "?");
		free(v);
		free(names[i]);
	}
	if (json)
		puts("}}");
	free(names);
	free(dir);
	return 0;
}

/* ---- set ---- */

/* Write VALUE and a newline (as echo does) to PATH; -errno on failure. */
static int write_attr(const char *path, const char *value)
{
	char *buf = xasprintf("%s\n", value);
	size_t len = strlen(buf), done = 0;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	while (done < len) {
		n = write(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0) {
			ret = -EIO;
			break;
		}
		done += n;
	}
	if (close(fd) && !ret)
		ret = -errno;
out:
	free(buf);
	return ret;
}

static int cmd_set(int argc, char **argv)
{
	const char *dev, *sub;
	char *path;
	int i, ret;

	if (argc < 3 || (argc - 1) % 2) {
		warnx_("set: need DEVICE KEY VALUE [KEY VALUE...]");
		return 2;
	}
	dev = argv[0];
	if (!name_ok(dev)) {
		warnx_("invalid device name '%s'", dev);
		return 1;
	}
	if (is_switch(dev)) {
		sub = "vmq";
	} else if (is_port(dev)) {
		sub = "vmq_port";
	} else {
		warnx_("%s: not a vmq switch or port (no %s/%s/vmq or vmq_port)",
		       dev, sysfs_root(), dev);
		return 1;
	}
	for (i = 1; i < argc; i += 2) {
		if (!name_ok(argv[i])) {
			warnx_("%s: invalid key '%s'", dev, argv[i]);
			return 1;
		}
		path = xasprintf("%s/%s/%s/%s", sysfs_root(), dev, sub,
				 argv[i]);
		ret = write_attr(path, argv[i + 1]);
		if (ret) {
			warnx_("%s: cannot write '%s': %s%s", path, argv[i + 1],
			       strerror(-ret),
			       ret == -ENOENT ? " (no such key)" : "");
			if (i > 1)
				warnx_("%s: keys before %s were set", dev,
				       argv[i]);
			free(path);
			return 1;
		}
		free(path);
	}
	return 0;
}

/* ---- main ---- */

static void usage(FILE *out)
{
	fprintf(out, "Usage:\n"
		" %1$s [-j] show [SWITCH]\n"
		" %1$s [-j] queues SWITCH\n"
		" %1$s [-j] stats PORT\n"
		" %1$s set SWITCH|PORT KEY VALUE [KEY VALUE...]\n"
		"\n"
		"Show and set vmq switches (vmq.ko) through sysfs.\n"
		"\n"
		"Commands:\n"
		" show      switch settings and one line per port (all switches\n"
		"           without SWITCH)\n"
		" queues    one row per VMQ queue, then the default queue\n"
		" stats     every counter of vmq_port/statistics\n"
		" set       write KEY (a file of vmq/ for a switch, vmq_port/\n"
		"           for a port); stops at the first error\n"
		"\n"
		"Options:\n"
		" -j, --json     JSON output (show, queues, stats)\n"
		" -h, --help     display this help\n"
		" -V, --version  display version\n"
		"\n"
		"Environment: VMQCTL_SYSFS (default /sys/class/net).\n"
		"For more details see vmqctl(8).\n", progname);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	bool json;
} cmds[] = {
	{ "show", cmd_show, true },
	{ "queues", cmd_queues, true },
	{ "stats", cmd_stats, true },
	{ "set", cmd_set, false },
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char *args[64];
	int c, i, n;
	size_t k;

	/* '+': stop at the command, so that "set P queue_cpu -1" works. */
	while ((c = getopt_long(argc, argv, "+jhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("%s %s\n", progname, VMQCTL_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[optind], "help")) {
		usage(stdout);
		return 0;
	}
	for (k = 0; k < ARRAY_SIZE(cmds); k++) {
		if (strcmp(argv[optind], cmds[k].name))
			continue;
		argc -= optind + 1;
		argv += optind + 1;
		if (!cmds[k].json)
			return cmds[k].fn(argc, argv);
		/* show, queues, stats: -j may also follow the command. */
		for (i = 0, n = 0; i < argc; i++) {
			if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
				json = true;
				continue;
			}
			if (n == (int)ARRAY_SIZE(args)) {
				warnx_("%s: too many arguments", cmds[k].name);
				return 2;
			}
			args[n++] = argv[i];
		}
		return cmds[k].fn(n, args);
	}
	warnx_("unknown command '%s' (show, queues, stats, set)", argv[optind]);
	return 2;
}
