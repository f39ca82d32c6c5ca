// SPDX-License-Identifier: GPL-2.0
/*
 * synbus-hostd: options, the VM table, the event loop, locking and
 * logging. See hostd.h for the threads and the locking rules.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "window.h"

#define TICK_MS		100
#define WARN_BURST	10
#define WARN_PERIOD_MS	10000

pthread_mutex_t hd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hd_cond;
const char *hd_dir = "/run/synbus-hostd";
int hd_epoll_fd = -1;
int hd_stop_all;
static int wake_fd = -1;
static int keeper_fd = -1;
static bool stop_on_term;
static struct hd_vm *vms, *vm_grave;
static uint64_t next_serial = 1;
static uint32_t daemon_gen;
static struct hd_vm log_global = { .name = "" };

/* ---- small helpers --------------------------------------------------- */

uint64_t hd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void vlog(const struct hd_vm *vm, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (vm && vm->name[0])
		fprintf(stderr, "synbus-hostd: %s: %s\n", vm->name, msg);
	else
		fprintf(stderr, "synbus-hostd: %s\n", msg);
}

void hd_log(const struct hd_vm *vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(vm, fmt, ap);
	va_end(ap);
}

/* WARN_BURST lines per WARN_PERIOD_MS and VM; the rest are counted. */
void hd_warn(struct hd_vm *vm, const char *fmt, ...)
{
	struct hd_vm *r = vm ? vm : &log_global;
	uint64_t now = hd_now_ms();
	va_list ap;

	if (!r->warn_stamp || now - r->warn_stamp >= WARN_PERIOD_MS) {
		if (r->warn_dropped)
			hd_log(vm, "%u warnings suppressed", r->warn_dropped);
		r->warn_stamp = now;
		r->warn_budget = WARN_BURST;
		r->warn_dropped = 0;
	}
	if (!r->warn_budget) {
		r->warn_dropped++;
		return;
	}
	r->warn_budget--;
	va_start(ap, fmt);
	vlog(vm, fmt, ap);
	va_end(ap);
}

int hd_parse_size(const char *s, uint64_t *bytes)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	case 0:
		break;
	default:
		return -EINVAL;
	}
	if (shift && *++end)
		return -EINVAL;
	if (v > (UINT64_MAX >> shift))
		return -EINVAL;
	*bytes = (uint64_t)v << shift;
	return 0;
}

bool hd_wait(bool (*done)(void *arg), void *arg, unsigned int timeout_ms)
{
	uint64_t deadline = hd_now_ms() + timeout_ms;
	struct timespec ts;
	bool ok;

	while (!(ok = done(arg))) {
		uint64_t now = hd_now_ms();

		if (now >= deadline)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (deadline - now) / 1000;
		ts.tv_nsec += (deadline - now) % 1000 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&hd_cond, &hd_lock, &ts);
	}
	return ok;
}

void hd_wake(void)
{
	pthread_cond_broadcast(&hd_cond);
}

void hd_kick(void)
{
	uint64_t one = 1;

	if (write(wake_fd, &one, sizeof(one)) < 0)
		return;
}

void hd_epoll_add(int fd, enum hd_src_kind kind, uint64_t serial)
{
	struct epoll_event ev = {
		.events = EPOLLIN | (kind == HD_SRC_CONN ? EPOLLRDHUP : 0),
		.data.u64 = serial << 4 | kind,
	};

	if (epoll_ctl(hd_epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		hd_log(NULL, "epoll: %s", strerror(errno));
}

void hd_epoll_del(int fd)
{
	if (fd >= 0)
		epoll_ctl(hd_epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

/* ---- VMs ------------------------------------------------------------ */

struct hd_vm *hd_vm_find(const char *name)
{
	struct hd_vm *vm;

	for (vm = vms; vm; vm = vm->next)
		if (!strcmp(vm->name, name))
			return vm;
	return NULL;
}

struct hd_vm *hd_vm_next(struct hd_vm *vm)
{
	return vm ? vm->next : vms;
}

/* Events name the VM by a serial: one removed meanwhile is not found. */
struct hd_vm *hd_vm_by_serial(uint64_t serial)
{
	struct hd_vm *vm;

	for (vm = vms; vm; vm = vm->next)
		if (vm->serial == serial)
			return vm;
	return NULL;
}

const char *hd_vm_name(const struct hd_vm *vm)
{
	return vm->name;
}

bool hd_vm_up(const struct hd_vm *vm)
{
	return vm->conn_fd >= 0 && vm->up && !vm->fault;
}

/* The longest keeper record name is "listen:" and the VM's name. */
_Static_assert(sizeof("listen:") + HD_NAME_MAX <= sizeof(((struct hd_keep_msg *)0)->name) &&
	       HD_NAME_MAX < sizeof(((struct hd_vm *)0)->name), "HD_NAME_MAX");

static bool name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n > HD_NAME_MAX || s[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && !strchr("_.-", s[i]))
			return false;
	return true;
}

char *hd_vm_config(const struct hd_vm *vm)
{
	char *s, ram[600] = "", mem[40] = "";

	if (vm->ram_path)
		snprintf(ram, sizeof(ram), ",ram=%s", vm->ram_path);
	if (vm->mem)
		snprintf(mem, sizeof(mem), ",mem=%llu", (unsigned long long)vm->mem);
	if (asprintf(&s, "socket=%s%s%s,machine=%s,window=%llu", vm->sock_path, ram,
		     mem, vm->pc ? "pc" : "q35", (unsigned long long)vm->win_size) < 0)
		return NULL;
	return s;
}

static int parse_kv(struct hd_vm *vm, char **kv, int nkv, FILE *err)
{
	int i;

	for (i = 0; i < nkv; i++) {
		char *k = kv[i], *v = strchr(k, '=');
		size_t kl = v ? (size_t)(v - k) : strlen(k);

		if (!v || !v[1]) {
			fprintf(err, "%s: expected key=value\n", k);
			return -EINVAL;
		}
		v++;
		if ((!strncmp(k, "socket", kl) || !strncmp(k, "ram", kl)) &&
		    (strchr(v, ',') || strlen(v) > 500)) {
			fprintf(err, "%s: no commas, at most 500 bytes\n", k);
			return -EINVAL;
		}
		if (kl == 6 && !strncmp(k, "socket", kl)) {
			free(vm->sock_path);
			vm->sock_path = strdup(v);
		} else if (kl == 3 && !strncmp(k, "ram", kl)) {
			free(vm->ram_path);
			vm->ram_path = strdup(v);
		} else if (kl == 3 && !strncmp(k, "mem", kl)) {
			if (hd_parse_size(v, &vm->mem) || vm->mem % 4096) {
				fprintf(err, "mem=%s: not a size in pages\n", v);
				return -EINVAL;
			}
		} else if (kl == 7 && !strncmp(k, "machine", kl)) {
			if (strcmp(v, "pc") && strcmp(v, "q35")) {
				fprintf(err, "machine=%s: q35 or pc\n", v);
				return -EINVAL;
			}
			vm->pc = !strcmp(v, "pc");
		} else if (kl == 6 && !strncmp(k, "window", kl)) {
			struct hd_geom g;

			if (hd_parse_size(v, &vm->win_size) ||
			    hd_geom_init(&g, vm->win_size)) {
				fprintf(err, "window=%s: a power of two, 64K to 1G\n", v);
				return -EINVAL;
			}
		} else {
			fprintf(err, "%.*s: unknown option\n", (int)kl, k);
			return -EINVAL;
		}
	}
	if (!vm->sock_path) {
		fprintf(err, "socket=PATH is required\n");
		return -EINVAL;
	}
	return 0;
}

static void vm_free(struct hd_vm *vm)
{
	free(vm->sock_path);
	free(vm->ram_path);
	free(vm);
}

static int kept_take(struct hd_kept *kept, int nkept, const char *what,
		     const char *name)
{
	char key[80];
	int i, fd;

	snprintf(key, sizeof(key), "%s:%s", what, name);
	for (i = 0; i < nkept; i++) {
		if (strcmp(kept[i].name, key))
			continue;
		fd = kept[i].fd;
		kept[i].fd = -1;
		kept[i].name[0] = 0;
		return fd;
	}
	return -1;
}

static void keep_all(struct hd_vm *vm)
{
	char key[80], *cfg = hd_vm_config(vm);

	snprintf(key, sizeof(key), "vm:%s", vm->name);
	hd_keeper_put(key, -1, cfg);
	free(cfg);
	snprintf(key, sizeof(key), "listen:%s", vm->name);
	hd_keeper_put(key, vm->listen_fd, NULL);
	snprintf(key, sizeof(key), "win:%s", vm->name);
	hd_keeper_put(key, vm->win_fd, NULL);
	if (vm->conn_fd < 0)
		return;
	snprintf(key, sizeof(key), "conn:%s", vm->name);
	hd_keeper_put(key, vm->conn_fd, NULL);
	snprintf(key, sizeof(key), "hefd:%s", vm->name);
	hd_keeper_put(key, vm->host_efd, NULL);
	snprintf(key, sizeof(key), "gefd:%s", vm->name);
	hd_keeper_put(key, vm->guest_efd, NULL);
}

void hd_keeper_refill(void)
{
	struct hd_vm *vm;

	if (hd_ctl_fd >= 0)
		hd_keeper_put("ctl", hd_ctl_fd, NULL);
	for (vm = vms; vm; vm = vm->next)
		keep_all(vm);
}

int hd_vm_add(const char *name, char **kv, int nkv, struct hd_kept *kept,
	      int nkept, FILE *err)
{
	struct hd_vm *vm, *o;
	int ret, conn, hefd, gefd;

	if (!name_ok(name)) {
		fprintf(err, "%s: a VM name is 1-%d of [A-Za-z0-9_.-], not starting with .\n",
			name, HD_NAME_MAX);
		return -EINVAL;
	}
	if (hd_vm_find(name))
		return -EEXIST;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	vm->win_size = HD_WIN_DEFAULT;
	vm->listen_fd = vm->conn_fd = vm->host_efd = vm->guest_efd = -1;
	vm->win_fd = vm->ram_fd = -1;
	ret = parse_kv(vm, kv, nkv, err);
	for (o = vms; !ret && o; o = o->next) {
		if (!strcmp(o->sock_path, vm->sock_path)) {
			fprintf(err, "%s: socket of %s already\n", vm->sock_path, o->name);
			ret = -EEXIST;
		}
	}
	if (ret) {
		vm_free(vm);
		return ret;
	}
	vm->serial = next_serial++;
	vm->host_gen = daemon_gen;

	vm->listen_fd = kept_take(kept, nkept, "listen", name);
	if (vm->listen_fd < 0)
		vm->listen_fd = hd_listen_unix(vm->sock_path, SOCK_STREAM, 0600);
	if (vm->listen_fd < 0) {
		ret = vm->listen_fd;
		fprintf(err, "%s: %s\n", vm->sock_path, strerror(-ret));
		vm_free(vm);
		return ret;
	}
	ret = hd_window_open(vm, kept_take(kept, nkept, "win", name));
	if (ret) {
		fprintf(err, "window of %s: %s\n", name, strerror(-ret));
		close(vm->listen_fd);
		vm_free(vm);
		return ret;
	}
	conn = kept_take(kept, nkept, "conn", name);
	hefd = kept_take(kept, nkept, "hefd", name);
	gefd = kept_take(kept, nkept, "gefd", name);
	if (conn >= 0 && hefd >= 0 && gefd >= 0) {
		vm->conn_fd = conn;
		vm->host_efd = hefd;
		vm->guest_efd = gefd;
		hd_epoll_add(conn, HD_SRC_CONN, vm->serial);
		hd_epoll_add(hefd, HD_SRC_DOORBELL, vm->serial);
		hd_window_adopt(vm);
		hd_log(vm, "adopted: QEMU connected, host generation %#x", vm->host_gen);
	} else if (conn >= 0 || hefd >= 0 || gefd >= 0) {
		/*
		 * Half kept (we died while QEMU connected): QEMU must go, so
		 * the keeper's copies go too, or QEMU never sees EOF.
		 */
		static const char *const what[] = { "conn", "hefd", "gefd" };
		char key[80];
		unsigned int i;

		if (conn >= 0)
			close(conn);
		if (hefd >= 0)
			close(hefd);
		if (gefd >= 0)
			close(gefd);
		for (i = 0; i < 3; i++) {
			snprintf(key, sizeof(key), "%s:%s", what[i], name);
			hd_keeper_del(key);
		}
		hd_log(vm, "QEMU connection only half kept: dropped");
	}
	hd_epoll_add(vm->listen_fd, HD_SRC_LISTEN, vm->serial);
	vm->next = vms;
	vms = vm;
	if (!kept)
		keep_all(vm);
	return 0;
}

static void unkeep(const struct hd_vm *vm)
{
	static const char *const what[] = { "vm", "listen", "win", "conn", "hefd", "gefd" };
	char key[80];
	unsigned int i;

	for (i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		snprintf(key, sizeof(key), "%s:%s", what[i], vm->name);
		hd_keeper_del(key);
	}
}

int hd_vm_remove(struct hd_vm *vm)
{
	struct hd_vm **pp;
	char *path;

	hd_qemu_down(vm, "removed");
	hd_epoll_del(vm->listen_fd);
	close(vm->listen_fd);
	unlink(vm->sock_path);
	hd_window_unmap(vm);
	hd_vm_ram_close(vm);
	if (asprintf(&path, "%s/%s.win", hd_dir, vm->name) >= 0) {
		unlink(path);
		free(path);
	}
	unkeep(vm);
	for (pp = &vms; *pp; pp = &(*pp)->next) {
		if (*pp == vm) {
			*pp = vm->next;
			break;
		}
	}
	vm->grave = vm_grave;
	vm_grave = vm;
	hd_log(vm, "removed");
	return 0;
}

void hd_vm_grave_free(void)
{
	while (vm_grave) {
		struct hd_vm *vm = vm_grave;

		vm_grave = vm->grave;
		vm_free(vm);
	}
}

/* ---- the event loop -------------------------------------------------- */

static void handle_event(uint64_t key, uint32_t events)
{
	enum hd_src_kind kind = key & 15;
	struct hd_vm *vm = NULL;

	if (kind == HD_SRC_LISTEN || kind == HD_SRC_CONN || kind == HD_SRC_DOORBELL) {
		vm = hd_vm_by_serial(key >> 4);
		if (!vm)
			return;
	}
	switch (kind) {
	case HD_SRC_LISTEN:
		hd_qemu_accept(vm);
		break;
	case HD_SRC_CONN:
		if (events & (EPOLLHUP | EPOLLRDHUP | EPOLLERR))
			hd_qemu_down(vm, "QEMU disconnected");
		else
			hd_qemu_input(vm);
		break;
	case HD_SRC_DOORBELL:
		if (vm->host_efd >= 0)
			hd_doorbell(vm);
		break;
	case HD_SRC_CTL:
		hd_ctl_accept(hd_ctl_fd);
		break;
	case HD_SRC_KEEPER:
		hd_keeper_event(events);
		break;
	case HD_SRC_WAKE: {
		uint64_t v;

		if (read(wake_fd, &v, sizeof(v)) < 0)
			break;
		break;
	}
	case HD_SRC_SIGNAL: {
		struct signalfd_siginfo si;

		if (read((int)(key >> 4), &si, sizeof(si)) == sizeof(si)) {
			hd_log(NULL, "signal %u: exiting%s", si.ssi_signo,
			       stop_on_term ? ", and so does the fd keeper" : "");
			__atomic_store_n(&hd_stop_all, stop_on_term ? 1 : 2, __ATOMIC_SEQ_CST);
		}
		break;
	}
	}
}

static void tick(uint64_t now)
{
	struct hd_vm *vm;
	unsigned int i;

	for (vm = vms; vm; vm = vm->next) {
		hd_vm_process(vm);
		hd_vm_tick(vm, now);
	}
	for (i = 0; i < hd_nr_services; i++)
		if (hd_services[i]->global_tick)
			hd_services[i]->global_tick(now);
}

static void event_loop(void)
{
	uint64_t next_tick = hd_now_ms() + TICK_MS;
	struct epoll_event evs[32];
	struct hd_vm *vm;
	int n, i, timeout;
	bool busy = false;

	while (!__atomic_load_n(&hd_stop_all, __ATOMIC_SEQ_CST)) {
		uint64_t now = hd_now_ms();

		timeout = busy ? 0 : now >= next_tick ? 0 : (int)(next_tick - now);
		n = epoll_wait(hd_epoll_fd, evs, 32, timeout);
		pthread_mutex_lock(&hd_lock);
		for (i = 0; i < n; i++) {
			handle_event(evs[i].data.u64, evs[i].events);
			hd_reap();
		}
		now = hd_now_ms();
		if (now >= next_tick) {
			tick(now);
			next_tick = now + TICK_MS;
		}
		/* Work a budget left over: more now, after the others had a turn. */
		busy = false;
		for (vm = vms; vm; vm = vm->next) {
			if (vm->busy)
				hd_vm_process(vm);
			busy |= vm->busy;
		}
		hd_reap();
		hd_wake();
		pthread_mutex_unlock(&hd_lock);
	}
}

/* ---- startup ------------------------------------------------------- */

static int lock_dir(void)
{
	char *path;
	int fd;

	if (asprintf(&path, "%s/hostd.lock", hd_dir) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
		return -1;
	return fd;
}

static char *dir_file(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", hd_dir, name) < 0)
		exit(1);
	return p;
}

/* --stop: ask the daemon; with none running, stop a keeper left over. */
static int do_stop(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *path = dir_file("control.sock"), buf[256];
	ssize_t n;
	int fd, ret = 1;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	free(path);
	if (fd >= 0 && lock_dir() < 0 &&
	    !connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (write(fd, "stop\n", 5) == 5) {
			/* The daemon closes the connection when it exits. */
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				;
			ret = 0;
		}
	} else if (hd_keeper_connect(false) >= 0) {
		hd_keeper_stop();
		path = dir_file("keeper.sock");
		unlink(path);
		free(path);
		ret = 0;
	} else {
		fprintf(stderr, "synbus-hostd: not running in %s\n", hd_dir);
	}
	return ret;
}

static void full_stop(void)
{
	struct hd_vm *vm;
	char *p;

	hd_keeper_stop();
	for (vm = vms; vm; vm = vm->next)
		unlink(vm->sock_path);
	p = dir_file("control.sock");
	unlink(p);
	free(p);
	p = dir_file("keeper.sock");
	unlink(p);
	free(p);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: synbus-hostd [-d DIR] [-f] [--vm NAME,socket=PATH[,ram=PATH][,mem=SIZE]\n"
		"                    [,machine=q35|pc][,window=SIZE]]... [--budget SIZE]\n"
		"                    [--stop-on-term]\n"
		"       synbus-hostd [-d DIR] --stop\n");
}

static int split_spec(char *spec, char **kv, int max)
{
	int n = 0;
	char *s;

	for (s = strtok(spec, ","); s && n < max; s = strtok(NULL, ","))
		kv[n++] = s;
	return s ? -1 : n;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "vm", required_argument, NULL, 'v' },
		{ "budget", required_argument, NULL, 'b' },
		{ "stop", no_argument, NULL, 's' },
		{ "stop-on-term", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *specs[256], *path;
	int nspecs = 0, c, i, n, lockfd, sfd, ready[2] = { -1, -1 };
	bool foreground = false, stop = false, have_budget = false;
	struct hd_kept *kept = NULL;
	int nkept = 0, kfd;
	uint64_t budget = 0;
	pthread_condattr_t ca;
	sigset_t sigs;

	while ((c = getopt_long(argc, argv, "d:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			hd_dir = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'v':
			if (nspecs == 256)
				return 2;
			specs[nspecs++] = optarg;
			break;
		case 'b':
			if (hd_parse_size(optarg, &budget)) {
				fprintf(stderr, "synbus-hostd: --budget %s: not a size\n", optarg);
				return 2;
			}
			have_budget = true;
			break;
		case 's':
			stop = true;
			break;
		case 'S':
			stop_on_term = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (stop)
		return do_stop();

	/* Sockets are root's from bind() on, not only after the chmod(). */
	umask(077);
	if (mkdir(hd_dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "synbus-hostd: %s: %s\n", hd_dir, strerror(errno));
		return 1;
	}
	lockfd = lock_dir();
	if (lockfd < 0) {
		fprintf(stderr, "synbus-hostd: already running in %s\n", hd_dir);
		return 1;
	}
	if (have_budget && hd_balloon_set_budget(budget)) {
		fprintf(stderr, "synbus-hostd: --budget refused\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&hd_cond, &ca);
	daemon_gen = hd_new_gen(0);

	/* Without -f: the parent exits once the sockets are there. */
	if (!foreground) {
		pid_t pid;
		char b;

		if (pipe2(ready, O_CLOEXEC) < 0)
			return 1;
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid) {
			close(ready[1]);
			return read(ready[0], &b, 1) == 1 ? 0 : 1;
		}
		close(ready[0]);
		setsid();
		i = open("/dev/null", O_RDWR);
		if (i >= 0) {
			dup2(i, 0);
			dup2(i, 1);
			if (i > 2)
				close(i);
		}
	}

	hd_epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (hd_epoll_fd < 0 || wake_fd < 0)
		return 1;
	hd_epoll_add(wake_fd, HD_SRC_WAKE, 0);

	pthread_mutex_lock(&hd_lock);
	kfd = hd_keeper_connect(false);
	if (kfd >= 0) {
		nkept = hd_keeper_get(&kept);
		hd_log(NULL, "restarted: %d fds and records from the keeper", nkept);
	} else {
		path = dir_file("keeper.sock");
		unlink(path);
		free(path);
		kfd = hd_keeper_connect(true);
		if (kfd < 0)
			hd_log(NULL, "no fd keeper (%s): a restart loses the VMs",
			       strerror(-kfd));
	}
	keeper_fd = kfd;
	if (keeper_fd >= 0)
		hd_epoll_add(keeper_fd, HD_SRC_KEEPER, 0);

	for (i = 0; i < nkept; i++) {
		if (!strcmp(kept[i].name, "ctl") && hd_ctl_fd < 0) {
			hd_ctl_fd = kept[i].fd;
			kept[i].fd = -1;
			kept[i].name[0] = 0;
		}
	}
	if (hd_ctl_fd < 0) {
		path = dir_file("control.sock");
		hd_ctl_fd = hd_listen_unix(path, SOCK_STREAM, 0600);
		if (hd_ctl_fd < 0) {
			fprintf(stderr, "synbus-hostd: %s: %s\n", path, strerror(-hd_ctl_fd));
			return 1;
		}
		free(path);
		hd_keeper_put("ctl", hd_ctl_fd, NULL);
	}
	hd_epoll_add(hd_ctl_fd, HD_SRC_CTL, 0);

	/* VMs the keeper remembers first: they may have a running guest. */
	for (i = 0; i < nkept; i++) {
		char *kv[16], *cfg;

		if (strncmp(kept[i].name, "vm:", 3))
			continue;
		cfg = strdup(kept[i].data);
		n = cfg ? split_spec(cfg, kv, 16) : -1;
		if (n < 0 || hd_vm_add(kept[i].name + 3, kv, n, kept, nkept, stderr))
			hd_log(NULL, "cannot adopt %s", kept[i].name + 3);
		free(cfg);
	}
	for (i = 0; i < nkept; i++) {
		if (kept[i].fd >= 0)
			close(kept[i].fd);
		if (kept[i].name[0] && strncmp(kept[i].name, "vm:", 3))
			hd_keeper_del(kept[i].name);
	}
	free(kept);
	for (i = 0; i < nspecs; i++) {
		char *kv[16], *spec = strdup(specs[i]), *comma;
		int ret;

		comma = spec ? strchr(spec, ',') : NULL;
		if (!comma) {
			fprintf(stderr, "synbus-hostd: --vm %s: NAME,socket=PATH,...\n",
				specs[i]);
			return 2;
		}
		*comma = 0;
		if (hd_vm_find(spec)) {
			hd_log(NULL, "%s: kept from before the restart", spec);
			free(spec);
			continue;
		}
		n = split_spec(comma + 1, kv, 16);
		ret = n < 0 ? -EINVAL : hd_vm_add(spec, kv, n, NULL, 0, stderr);
		if (ret) {
			fprintf(stderr, "synbus-hostd: --vm %s: %s\n", specs[i],
				strerror(-ret));
			return 1;
		}
		free(spec);
	}

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd >= 0)
		hd_epoll_add(sfd, HD_SRC_SIGNAL, sfd);
	pthread_mutex_unlock(&hd_lock);

	path = dir_file("hostd.pid");
	{
		FILE *f = fopen(path, "w");

		if (f) {
			fprintf(f, "%d\n", getpid());
			fclose(f);
		}
	}
	hd_log(NULL, "serving %s, host generation %#x", hd_dir, daemon_gen);
	if (ready[1] >= 0) {
		if (write(ready[1], "", 1) < 0)
			return 1;
		close(ready[1]);
	}

	event_loop();

	pthread_mutex_lock(&hd_lock);
	if (__atomic_load_n(&hd_stop_all, __ATOMIC_SEQ_CST) == 1)
		full_stop();
	unlink(path);
	free(path);
	_exit(0);
}
