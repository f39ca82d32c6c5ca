// SPDX-License-Identifier: GPL-2.0
/*
 * A fake QEMU and guest for synbus-hostd's host tests: it connects to a
 * VM's socket as ivshmem-doorbell does, takes the window fd and eventfds,
 * maps the window and plays the guest's side of the protocol
 * (uapi/linux/synbus_ivshmem.h), checking the daemon's answers and, with
 * synbus-hostctl, what the daemon reports.
 *
 * hostd_fakeguest -c HOSTCTL -d DIR -v VM [-r RESTART_CMD] SOCKET
 *	handshake, offers, echo channel open/packet/close, buffers, bad
 *	OPENs, rescind, guest reboot, a second QEMU refused, and (-r) a
 *	daemon restart that must be survived.
 * hostd_fakeguest -c HOSTCTL -d DIR -v VM -x [-n ROUNDS] [-s SEED] SOCKET
 *	hostile: garbage into everything the guest can write; the daemon
 *	must stay alive, answer "list", and serve a clean hello afterwards.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/synbus_ivshmem.h>

#include "synbus_ring.h"

static const char *hostctl, *dir, *vmname, *sockpath;
static int conn = -1, peer0_fd = -1, own_fd = -1, win_fd = -1;
static uint8_t *win;
static struct synbus_iv_header *hdr;
static uint64_t win_size;
static uint32_t heap_off, heap_size, max_chan, gen;
static struct synbus_rb ctl_out, ctl_in;	/* guest: writes g2h, reads h2g */
static unsigned long irqs;
static bool hostile;		/* we corrupt our own rings too */
static uint8_t pktbuf[1 << 20];

#define MAXQ	256
static struct synbus_iv_msg q[MAXQ];
static int nq;

static const uint8_t echo_class[16] = {
	0xd2, 0xe0, 0xc5, 0xa3, 0x1f, 0x7b, 0x49, 0x4f,
	0x9e, 0x0b, 0x5d, 0x1c, 0x2f, 0x8a, 0x6e, 0x01,
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fakeguest: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* Run synbus-hostctl; its stdout in @out (may be NULL); exit status. */
static int ctl(char *out, size_t outlen, const char *fmt, ...)
{
	char cmd[1024], args[512];
	size_t n = 0;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s -d %s %s", hostctl, dir, args);
	p = popen(cmd, "r");
	if (!p)
		die("popen");
	if (out) {
		n = fread(out, 1, outlen - 1, p);
		out[n] = 0;
	} else {
		while (fread(args, 1, sizeof(args), p) > 0)
			;
	}
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}

/* The line of `list` about our VM. */
static void vm_line(char *line, size_t len)
{
	char out[8192], *s;
	size_t vl = strlen(vmname);

	if (ctl(out, sizeof(out), "list"))
		die("list failed");
	for (s = strtok(out, "\n"); s; s = strtok(NULL, "\n")) {
		if (!strncmp(s, vmname, vl) && s[vl] == ' ') {
			snprintf(line, len, "%s", s);
			return;
		}
	}
	die("%s not in list", vmname);
}

static void expect_state(const char *state)
{
	char line[512], name[128], st[32];
	uint64_t t0 = now_ms();

	for (;;) {
		vm_line(line, sizeof(line));
		if (sscanf(line, "%127s %31s", name, st) == 2 && !strcmp(st, state))
			return;
		if (now_ms() - t0 > 3000)
			die("state: want %s, list says: %s", state, line);
		usleep(20000);
	}
}

static unsigned long bad_messages(void)
{
	char line[512], name[128], st[32], hg[32], gg[32];
	unsigned long ch, bad;

	vm_line(line, sizeof(line));
	if (sscanf(line, "%127s %31s %31s %31s %lu %lu", name, st, hg, gg, &ch, &bad) != 6)
		die("list line: %s", line);
	return bad;
}

/* ---- the QEMU side -------------------------------------------------- */

static int64_t recv_int64(int fd, int *passed, int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	int64_t v;
	struct iovec iov = { .iov_base = &v, .iov_len = sizeof(v) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct cmsghdr *cm;
	ssize_t n;

	*passed = -1;
	if (poll(&p, 1, timeout_ms) != 1)
		return INT64_MIN;
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	if (n != sizeof(v))
		return INT64_MIN;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(passed, CMSG_DATA(cm), sizeof(int));
	return le64toh(v);
}

static int connect_sock(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sockpath);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect %s: %s", sockpath, strerror(errno));
	return fd;
}

/* What QEMU's ivshmem does on connect, with its checks. */
static void qemu_connect(void)
{
	struct stat st;
	int64_t v;
	int fd;

	conn = connect_sock();
	v = recv_int64(conn, &fd, 3000);
	if (v != 0 || fd >= 0)
		die("protocol version: %lld", (long long)v);
	v = recv_int64(conn, &fd, 3000);
	if (v != 1 || fd >= 0)
		die("own id: %lld, want 1", (long long)v);
	v = recv_int64(conn, &win_fd, 3000);
	if (v != -1 || win_fd < 0)
		die("shm message: %lld fd %d", (long long)v, win_fd);
	v = recv_int64(conn, &peer0_fd, 3000);
	if (v != 0 || peer0_fd < 0)
		die("peer 0 eventfd: %lld fd %d", (long long)v, peer0_fd);
	v = recv_int64(conn, &own_fd, 3000);
	if (v != 1 || own_fd < 0)
		die("own eventfd: %lld fd %d", (long long)v, own_fd);
	if (fstat(win_fd, &st) < 0)
		die("fstat");
	win_size = st.st_size;
	win = mmap(NULL, win_size, PROT_READ | PROT_WRITE, MAP_SHARED, win_fd, 0);
	if (win == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	hdr = (void *)win;
}

/* A second QEMU on a live VM's socket is closed without a word. */
static void second_qemu_refused(void)
{
	int fd = connect_sock(), passed;
	int64_t v = recv_int64(fd, &passed, 2000);
	char c;

	if (v != INT64_MIN || passed >= 0)
		die("second QEMU got message %lld", (long long)v);
	if (read(fd, &c, 1) != 0)
		die("second QEMU not closed");
	close(fd);
}

/* ---- the guest side -------------------------------------------------- */

static void doorbell(void)
{
	uint64_t one = 1;

	if (write(peer0_fd, &one, sizeof(one)) != sizeof(one))
		die("doorbell");
}

static bool wait_irq(int ms)
{
	struct pollfd p = { .fd = own_fd, .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, ms) != 1)
		return false;
	if (read(own_fd, &v, sizeof(v)) == sizeof(v))
		irqs++;
	return true;
}

static void check_header(void)
{
	if (le32toh(hdr->magic) != SYNBUS_IV_MAGIC || le32toh(hdr->version) != SYNBUS_IV_VERSION)
		die("header magic/version");
	if (le64toh(hdr->size) != win_size || hdr->host_peer != 0 || !hdr->host_gen)
		die("header size/peer/gen");
	if (le32toh(hdr->ctl_off) != 4096 || le32toh(hdr->ctl_size) != SYNBUS_IV_CTL_SIZE)
		die("header ctl");
	heap_off = le32toh(hdr->heap_off);
	heap_size = le32toh(hdr->heap_size);
	max_chan = le32toh(hdr->max_chan);
	if (heap_off % 4096 || heap_off < 4096 + 2 * (4096 + SYNBUS_IV_CTL_SIZE) ||
	    (uint64_t)heap_off + heap_size != win_size || !max_chan ||
	    max_chan > SYNBUS_IV_MAX_CHAN)
		die("header heap/max_chan");
	/* Our rings and buffers sit in the first 192 KiB of the heap. */
	if (heap_size < (192U << 10))
		die("window too small for the test: use window=256K or more");
}

static uint32_t rnd32(void)
{
	return (uint32_t)random() << 16 ^ (uint32_t)random();
}

static void take_ctl_rings(void)
{
	uint8_t *c = win + 4096;

	synbus_rb_init(&ctl_out, c, SYNBUS_IV_CTL_SIZE, false);
	synbus_rb_init(&ctl_in, c + 4096 + SYNBUS_IV_CTL_SIZE, SYNBUS_IV_CTL_SIZE, false);
	nq = 0;
}

/* A new guest_gen and a doorbell; true when host_ack says so within @ms. */
static bool hello_wait(int ms)
{
	uint64_t t0 = now_ms();

	do
		gen = rnd32();
	while (!gen || gen == le32toh(hdr->guest_gen));
	__atomic_store_n(&hdr->guest_gen, htole32(gen), __ATOMIC_SEQ_CST);
	doorbell();
	while (le32toh(__atomic_load_n(&hdr->host_ack, __ATOMIC_ACQUIRE)) != gen) {
		if (now_ms() - t0 >= (uint64_t)ms)
			return false;
		wait_irq(20);
	}
	return true;
}

/* Hello: new guest_gen, ring, wait for host_ack, take the control rings. */
static void hello(void)
{
	if (!hello_wait(3000))
		die("no host_ack for generation %#x", gen);
	check_header();
	take_ctl_rings();
}

static void send_msg(const struct synbus_iv_msg *m)
{
	bool sig;
	int ret = synbus_rb_write(&ctl_out, SYNBUS_PKT_INBAND, 0, 0, m, sizeof(*m), &sig);

	if (ret)
		die("control ring write: %d", ret);
	doorbell();
}

static void drain(void)
{
	struct synbus_packet pkt;

	while (!synbus_rb_peek(&ctl_in, pktbuf, sizeof(pktbuf), &pkt)) {
		if (pkt.len != sizeof(struct synbus_iv_msg) || pkt.type != SYNBUS_PKT_INBAND) {
			if (hostile)
				break;
			die("host sent a bad control packet");
		}
		if (nq < MAXQ)
			memcpy(&q[nq++], pkt.data, sizeof(q[0]));
		synbus_rb_consume(&ctl_in);
	}
}

/* The first queued message of @type (and @chan unless ~0U); dies on timeout. */
static struct synbus_iv_msg wait_msg(uint32_t type, uint32_t chan, int ms)
{
	uint64_t t0 = now_ms();
	struct synbus_iv_msg m;
	int i;

	for (;;) {
		drain();
		for (i = 0; i < nq; i++) {
			if (le32toh(q[i].type) != type ||
			    (chan != ~0U && le32toh(q[i].chan) != chan))
				continue;
			m = q[i];
			memmove(q + i, q + i + 1, (nq - i - 1) * sizeof(q[0]));
			nq--;
			return m;
		}
		if (now_ms() - t0 > (uint64_t)ms)
			die("no message of type %u for channel %d", type, (int)chan);
		wait_irq(20);
	}
}

static struct synbus_iv_msg mkmsg(uint32_t type, uint32_t chan)
{
	struct synbus_iv_msg m;

	memset(&m, 0, sizeof(m));
	m.type = htole32(type);
	m.chan = htole32(chan);
	return m;
}

static uint32_t request(uint32_t type, uint32_t chan, uint64_t off, uint32_t s1,
			uint32_t s2, uint32_t handle, uint32_t answer)
{
	struct synbus_iv_msg m = mkmsg(type, chan);

	m.off = htole64(off);
	m.size1 = htole32(s1);
	m.size2 = htole32(s2);
	m.handle = htole32(handle);
	send_msg(&m);
	m = wait_msg(answer, chan, 3000);
	if (answer == SYNBUS_IV_BUF_DONE && le32toh(m.handle) != handle)
		die("BUF_DONE for handle %u, want %u", le32toh(m.handle), handle);
	return le32toh(m.status);
}

/* The echo channel: rings at @off, 16 KiB each way. */
struct gchan {
	uint32_t id;
	uint64_t off;
	struct synbus_rb out, in;
};

static void chan_open(struct gchan *c, uint64_t off)
{
	uint32_t st;

	c->off = off;
	synbus_rb_init(&c->out, win + off, 16384, true);
	synbus_rb_init(&c->in, win + off + 4096 + 16384, 16384, true);
	st = request(SYNBUS_IV_OPEN, c->id, off, 16384, 16384, 0, SYNBUS_IV_OPEN_DONE);
	if (st)
		die("OPEN of channel %u: status %u", c->id, st);
}

static void echo_roundtrip(struct gchan *c, int n)
{
	struct synbus_packet pkt;
	uint8_t msg[64];
	uint64_t t0;
	bool sig;
	int i;

	for (i = 0; i < n; i++) {
		memset(msg, 0, sizeof(msg));
		msg[0] = 1;	/* SYNBUS_ECHO_OP_DATA */
		msg[4] = sizeof(msg) - 16;
		msg[20] = (uint8_t)i;
		if (synbus_rb_write(&c->out, SYNBUS_PKT_INBAND, 0, 1000 + i, msg,
				    sizeof(msg), &sig))
			die("channel write");
		__atomic_fetch_or(&hdr->g2h_pending[c->id / 64], 1ULL << (c->id % 64),
				  __ATOMIC_SEQ_CST);
		if (sig)
			doorbell();
		t0 = now_ms();
		while (synbus_rb_peek(&c->in, pktbuf, sizeof(pktbuf), &pkt)) {
			if (now_ms() - t0 > 3000)
				die("no echo (packet %d)", i);
			wait_irq(20);
		}
		if (pkt.len != sizeof(msg) || memcmp(pkt.data, msg, sizeof(msg)) ||
		    pkt.trans_id != 1000U + i)
			die("echo differs");
		synbus_rb_consume(&c->in);
	}
}

/* The id of the offer of @class among the queued messages, or die. */
static uint32_t offer_of(const uint8_t *class, int ms)
{
	uint64_t t0 = now_ms();
	int i;

	for (;;) {
		drain();
		for (i = 0; i < nq; i++) {
			if (le32toh(q[i].type) == SYNBUS_IV_OFFER &&
			    !memcmp(q[i].class_id, class, 16)) {
				uint32_t id = le32toh(q[i].chan);

				memmove(q + i, q + i + 1, (nq - i - 1) * sizeof(q[0]));
				nq--;
				if (id >= max_chan)
					die("offer with channel %u", id);
				return id;
			}
		}
		if (now_ms() - t0 > (uint64_t)ms)
			die("no offer of the class");
		wait_irq(20);
	}
}

static int count_offers(int ms)
{
	uint64_t t0 = now_ms();
	int i, n = 0;

	while (now_ms() - t0 < (uint64_t)ms) {
		drain();
		wait_irq(20);
	}
	for (i = 0; i < nq; i++)
		n += le32toh(q[i].type) == SYNBUS_IV_OFFER;
	return n;
}

static bool devices_has(const char *what)
{
	char out[8192];

	if (ctl(out, sizeof(out), "devices %s", vmname))
		die("devices failed");
	return strstr(out, what) != NULL;
}

static void run_normal(const char *restart)
{
	struct gchan c = { 0 };
	unsigned long bad0;
	uint32_t hgen;
	char want[128];
	int offers;

	qemu_connect();
	expect_state("connected");
	second_qemu_refused();
	hello();
	offers = count_offers(300);
	printf("hello: host_gen %#x, %d offers at hello, heap %u bytes at %u\n",
	       le32toh(hdr->host_gen), offers, heap_size, heap_off);
	expect_state("up");

	/* echo is on demand: offer it, open it, echo through it. */
	if (ctl(NULL, 0, "offer %s echo", vmname))
		die("offer echo");
	c.id = offer_of(echo_class, 3000);
	if (ctl(NULL, 0, "offer %s echo", vmname) == 0)
		die("a second echo offer was accepted");
	chan_open(&c, heap_off);
	echo_roundtrip(&c, 20);
	snprintf(want, sizeof(want), "%u echo open 20 20", c.id);
	if (!devices_has(want))
		die("devices does not show: %s", want);
	printf("echo channel %u: open, 20 packets each way\n", c.id);

	/* Buffers. */
	if (request(SYNBUS_IV_BUF_ADD, c.id, heap_off + (1 << 16), 8192, 0, 7,
		    SYNBUS_IV_BUF_DONE))
		die("BUF_ADD refused");
	if (!request(SYNBUS_IV_BUF_ADD, c.id, heap_off + (1 << 16), 8192, 0, 7,
		     SYNBUS_IV_BUF_DONE))
		die("duplicate BUF_ADD accepted");
	if (!request(SYNBUS_IV_BUF_ADD, c.id, win_size - 4096, 8192, 0, 8,
		     SYNBUS_IV_BUF_DONE))
		die("BUF_ADD past the window accepted");
	if (request(SYNBUS_IV_BUF_DEL, c.id, 0, 0, 0, 7, SYNBUS_IV_BUF_DONE))
		die("BUF_DEL refused");
	if (!request(SYNBUS_IV_BUF_DEL, c.id, 0, 0, 0, 7, SYNBUS_IV_BUF_DONE))
		die("second BUF_DEL accepted");

	/* Bad OPENs are refused with a status and counted. */
	bad0 = bad_messages();
	if (!request(SYNBUS_IV_OPEN, c.id, heap_off, 16384, 16384, 0, SYNBUS_IV_OPEN_DONE))
		die("OPEN of an open channel accepted");
	if (request(SYNBUS_IV_CLOSE, c.id, 0, 0, 0, 0, SYNBUS_IV_CLOSE_DONE))
		die("CLOSE refused");
	snprintf(want, sizeof(want), "%u echo closed", c.id);
	if (!devices_has(want))
		die("devices does not show: %s", want);
	if (!request(SYNBUS_IV_OPEN, c.id, 4096, 16384, 16384, 0, SYNBUS_IV_OPEN_DONE))
		die("OPEN over the control rings accepted");
	if (!request(SYNBUS_IV_OPEN, c.id, win_size - 8192, 16384, 16384, 0,
		     SYNBUS_IV_OPEN_DONE))
		die("OPEN past the window accepted");
	if (!request(SYNBUS_IV_OPEN, c.id, heap_off + 100, 16384, 16384, 0,
		     SYNBUS_IV_OPEN_DONE))
		die("unaligned OPEN accepted");
	if (!request(SYNBUS_IV_OPEN, c.id, heap_off, 4u << 20, 16384, 0,
		     SYNBUS_IV_OPEN_DONE))
		die("huge OPEN accepted");
	if (!request(SYNBUS_IV_OPEN, c.id, UINT64_MAX - 4095, 16384, 16384, 0,
		     SYNBUS_IV_OPEN_DONE))
		die("wrapping OPEN accepted");
	if (!request(SYNBUS_IV_OPEN, max_chan - 1, heap_off, 16384, 16384, 0,
		     SYNBUS_IV_OPEN_DONE))
		die("OPEN of an unknown channel accepted");
	if (bad_messages() < bad0 + 7)
		die("bad messages not counted (%lu -> %lu)", bad0, bad_messages());
	/* Reopen: it works again after all that. */
	chan_open(&c, heap_off + (1 << 17));
	echo_roundtrip(&c, 3);
	printf("buffers, bad OPENs, close and reopen: ok\n");

	/* Rescind from the command line; the id is free after RELEASED. */
	if (ctl(NULL, 0, "rescind %s echo", vmname))
		die("rescind");
	wait_msg(SYNBUS_IV_RESCIND, c.id, 3000);
	if (!devices_has("echo rescinded"))
		die("rescinded channel not shown");
	if (request(SYNBUS_IV_CLOSE, c.id, 0, 0, 0, 0, SYNBUS_IV_CLOSE_DONE))
		die("CLOSE after rescind refused");
	{
		struct synbus_iv_msg m = mkmsg(SYNBUS_IV_RELEASED, c.id);

		send_msg(&m);
	}
	usleep(200000);
	if (devices_has(" echo "))
		die("echo still listed after RELEASED");
	printf("rescind and release: ok\n");

	/* Guest reboot: a new hello, channels forgotten, offers again. */
	if (ctl(NULL, 0, "offer %s echo", vmname))
		die("offer echo again");
	c.id = offer_of(echo_class, 3000);
	chan_open(&c, heap_off);
	hello();
	if (count_offers(300) != offers)
		die("offers after reboot differ");
	if (devices_has(" echo "))
		die("echo survived the guest's reboot");
	printf("guest reboot: ok\n");

	/* Hellos in a loop: 4 a second are served, the next one waits. */
	{
		char out[2048], *p;
		int i, acked = 0;

		for (i = 0; i < 8; i++)
			acked += hello_wait(50);
		if (ctl(out, sizeof(out), "stats %s", vmname))
			die("stats failed");
		p = strstr(out, "hellos_limited ");
		if (!p || atoi(p + 15) < 1)
			die("hellos not limited: %d of 8 served at once; %s", acked, out);
		hello();
		if (count_offers(300) != offers)
			die("offers after the hello loop differ");
		printf("hello loop: %d of 8 served at once, then served again\n", acked);
	}

	/* Daemon restart: the keeper holds on; a new host_gen; hello again. */
	if (restart) {
		hgen = le32toh(hdr->host_gen);
		if (system(restart))
			die("restart command failed");
		while (le32toh(__atomic_load_n(&hdr->host_gen, __ATOMIC_ACQUIRE)) == hgen)
			if (!wait_irq(5000))
				die("host_gen did not change after the restart");
		expect_state("connected");
		hello();
		if (count_offers(300) != offers)
			die("offers after the restart differ");
		expect_state("up");
		if (ctl(NULL, 0, "offer %s echo", vmname))
			die("offer echo after restart");
		c.id = offer_of(echo_class, 3000);
		chan_open(&c, heap_off);
		echo_roundtrip(&c, 5);
		printf("daemon restart: host_gen %#x -> %#x, service resumed\n", hgen,
		       le32toh(hdr->host_gen));
	}

	/* Driver removed: guest_gen 0 drops the guest. */
	__atomic_store_n(&hdr->guest_gen, 0, __ATOMIC_SEQ_CST);
	doorbell();
	expect_state("connected");
	if (devices_has(" open "))
		die("channels left after guest_gen 0");
	if (!irqs)
		die("never interrupted");
	printf("guest gone: ok; %lu interrupts\n", irqs);
	close(conn);
	expect_state("down");
}

/* ---- hostile ---------------------------------------------------------- */

static void fill_random(void *p, size_t len)
{
	uint8_t *b = p;

	while (len--)
		*b++ = random();
}

static uint64_t rnd_off(void)
{
	switch (random() % 6) {
	case 0:
		return rnd32();
	case 1:
		return (uint64_t)rnd32() << 32 | rnd32();
	case 2:
		return heap_off + (random() % (heap_size / 4096 + 4)) * 4096ULL;
	case 3:
		return win_size - (random() % 16) * 4096ULL;
	case 4:
		return UINT64_MAX - (random() % 8) * 4096ULL;
	default:
		return heap_off;
	}
}

static uint32_t rnd_size(void)
{
	static const uint32_t s[] = {
		0, 4096, 8192, 16384, 1 << 20, (1 << 20) + 4096, 100, UINT32_MAX,
		UINT32_MAX - 4095, 16U << 20,
	};

	return random() % 3 ? s[random() % (sizeof(s) / sizeof(s[0]))] : rnd32();
}

static void hostile_round(void)
{
	uint8_t *ctlmem = win + 4096;
	struct synbus_iv_msg m;
	uint32_t *w;
	bool sig;
	int k;

	switch (random() % 12) {
	case 0:		/* header fields, ours and the host's */
		w = (uint32_t *)hdr + random() % (sizeof(*hdr) / 4);
		*w = rnd32();
		break;
	case 1:		/* control ring indices and masks */
		w = (uint32_t *)(ctlmem + (random() % 2) * (4096 + SYNBUS_IV_CTL_SIZE));
		w[random() % 4] = random() % 3 ? rnd32() : rnd32() & ~7U;
		break;
	case 2:		/* control ring data */
		fill_random(ctlmem + 4096 + random() % (SYNBUS_IV_CTL_SIZE - 256), 256);
		break;
	case 3:		/* a raw packet that is not a control message */
		fill_random(pktbuf, 64);
		synbus_rb_write_raw(&ctl_out, pktbuf, 8 * (1 + random() % 8));
		break;
	case 4:		/* a wrong-size packet */
		synbus_rb_write(&ctl_out, SYNBUS_PKT_INBAND, 0, 0, pktbuf,
				random() % 200, &sig);
		break;
	case 5:		/* the heap, rings and all */
		fill_random(win + heap_off + random() % (heap_size - 4096), 4096);
		break;
	case 6:		/* hello, without waiting for the answer */
		hello_wait(0);
		take_ctl_rings();
		break;
	case 7:		/* pending bitmaps */
		fill_random(hdr->g2h_pending, sizeof(hdr->g2h_pending));
		break;
	default:	/* well framed, hostile content */
		m = mkmsg(1 + random() % 12, random() % 4 ? random() % 16 : rnd32());
		m.off = htole64(rnd_off());
		m.size1 = htole32(rnd_size());
		m.size2 = htole32(rnd_size());
		m.handle = htole32(random() % 80);
		if (!(random() % 8))
			m.flags = htole32(rnd32());
		for (k = 0; k < 1 + random() % 8; k++)
			synbus_rb_write(&ctl_out, SYNBUS_PKT_INBAND, 0, 0, &m, sizeof(m), &sig);
		break;
	}
	/* Open channels: garbage into their rings as well. */
	if (!(random() % 4))
		fill_random(hdr->g2h_pending, 8);
	doorbell();
	drain();
	nq = 0;
}

static void run_hostile(int rounds)
{
	unsigned long bad;
	int i;

	qemu_connect();
	hello();
	for (i = 0; i < rounds; i++) {
		hostile_round();
		if (!(i % 8))
			usleep(1000);
		if (!(i % 200) && ctl(NULL, 0, "list"))
			die("list failed after %d rounds", i);
	}
	usleep(300000);
	bad = bad_messages();
	/* A clean guest after all that: served again. */
	hello();
	if (!count_offers(300))
		die("no offers after the hostile rounds");
	if (ctl(NULL, 0, "offer %s echo", vmname) == 0) {
		struct gchan c = { .id = offer_of(echo_class, 3000) };

		chan_open(&c, heap_off);
		echo_roundtrip(&c, 3);
	}
	expect_state("up");
	printf("hostile: %d rounds, %lu bad messages counted, recovered\n", rounds, bad);
	if (!bad)
		die("no bad message counted");
}

int main(int argc, char **argv)
{
	const char *restart = NULL;
	unsigned int seed = getpid();
	int c, rounds = 3000;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "c:d:v:r:xn:s:")) != -1) {
		switch (c) {
		case 'c':
			hostctl = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'v':
			vmname = optarg;
			break;
		case 'r':
			restart = optarg;
			break;
		case 'x':
			hostile = true;
			break;
		case 'n':
			rounds = atoi(optarg);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc || !hostctl || !dir || !vmname)
		die("usage: hostd_fakeguest -c HOSTCTL -d DIR -v VM [-r CMD | -x [-n N] [-s SEED]] SOCKET");
	sockpath = argv[optind];
	srandom(seed);
	printf("seed %u\n", seed);
	if (hostile)
		run_hostile(rounds);
	else
		run_normal(restart);
	return 0;
}
