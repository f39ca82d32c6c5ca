// SPDX-License-Identifier: GPL-2.0
/*
 * synbus_bench: round-trip latency and echo throughput of a synbus
 * loopback channel (synbus_echo over synbus_loop) beside AF_VSOCK loopback
 * (vsock_loopback) with 64 B, 1 KiB and 4 KiB messages, plus signals per
 * message on the synbus channel. Each figure is printed with its ratio.
 *
 * "synbus_bench SECS ID" instead compares the echo device ID, served from
 * across the VM boundary by synbus-hostd over ivshmem (bench/host), with
 * a loopback echo channel in this guest.
 */
#include <pthread.h>
#include <sys/socket.h>
#include <linux/vm_sockets.h>
#include "../../selftests/synbus/synbus_user.h"

#define PORT 5499

static double secs = 2.0;

struct tput {
	int wfd;
	size_t len;
	long sent;
	int stop;
	int done;
	int err;
};

static int read_full(int fd, void *buf, size_t len, int stream)
{
	size_t got = 0;
	ssize_t n;

	if (!stream)
		return read(fd, buf, 1 << 17) == (ssize_t)len ? 0 : -1;
	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	size_t put = 0;
	ssize_t n;

	while (put < len) {
		n = write(fd, (const char *)buf + put, len - put);
		if (n <= 0)
			return -1;
		put += n;
	}
	return 0;
}

static void *tput_writer(void *p)
{
	struct tput *t = p;
	static char buf[4096];

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		if (write_full(t->wfd, buf, t->len)) {
			t->err = errno;
			break;
		}
		__atomic_store_n(&t->sent, t->sent + 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Round trips per second -> microseconds per round trip. */
static double latency(int fd, size_t len, int stream)
{
	static char out[4096], in[1 << 17];
	double t0 = sb_now(), t;
	long n = 0;

	do {
		if (write_full(fd, out, len) || read_full(fd, in, len, stream))
			return -1;
		n++;
		t = sb_now();
	} while (t - t0 < secs);
	return (t - t0) * 1e6 / n;
}

/* Echoed payload MB/s with a writer thread and this thread reading. */
static double throughput(int fd, size_t len, int stream, long *msgs)
{
	static char in[1 << 17];
	struct tput t = { .wfd = fd, .len = len };
	double t0 = sb_now();
	pthread_t th;
	long got = 0;

	if (pthread_create(&th, NULL, tput_writer, &t))
		return -1;
	while (sb_now() - t0 < secs) {
		if (read_full(fd, in, len, stream))
			break;
		got++;
	}
	/*
	 * Keep reading until the writer is out: a writer blocked on a full
	 * pipeline only finishes its last message if we drain the echoes.
	 */
	__atomic_store_n(&t.stop, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&t.done, __ATOMIC_ACQUIRE) ||
	       got < __atomic_load_n(&t.sent, __ATOMIC_ACQUIRE)) {
		if (got >= __atomic_load_n(&t.sent, __ATOMIC_ACQUIRE)) {
			usleep(100);
			continue;
		}
		if (read_full(fd, in, len, stream))
			break;
		got++;
	}
	pthread_join(th, NULL);
	*msgs = got;
	return got * (double)len / (sb_now() - t0) / 1e6;
}

static void *vsock_server(void *p)
{
	int ls = *(int *)p, s;
	static char buf[1 << 16];
	ssize_t n;

	s = accept(ls, NULL, NULL);
	if (s < 0)
		return NULL;
	while ((n = read(s, buf, sizeof(buf))) > 0)
		if (write_full(s, buf, n))
			break;
	close(s);
	return NULL;
}

static int vsock_connect(pthread_t *srv, int *ls)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_port = PORT,
				 .svm_cid = VMADDR_CID_ANY };
	int fd;

	*ls = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (*ls < 0 || bind(*ls, (void *)&a, sizeof(a)) || listen(*ls, 1))
		return -1;
	if (pthread_create(srv, NULL, vsock_server, ls))
		return -1;
	fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	a.svm_cid = VMADDR_CID_LOCAL;
	if (fd < 0 || connect(fd, (void *)&a, sizeof(a)))
		return -1;
	return fd;
}

/* The echo device @xid (ivshmem, synbus-hostd) against a loopback one. */
static int cross(const char *xid)
{
	static const size_t sizes[] = { 64, 4096 };
	double xl, ll, xt, lt, sig;
	long long ev0, in0;
	long msgs;
	char id[37];
	int xfd, lfd, i, ret;

	ret = sb_offer(SYNBUS_ECHO_CLASS_STR, 256 * 1024, 0, id);
	if (ret) {
		fprintf(stderr, "offer: %s\n", strerror(-ret));
		return 1;
	}
	xfd = sb_echo_open(xid, 0);
	lfd = sb_echo_open(id, 0);
	if (xfd < 0 || lfd < 0) {
		perror("open");
		return 1;
	}
	printf("%-6s %-10s %12s %12s %8s\n", "size", "figure", "ivshmem", "loopback", "ratio");
	for (i = 0; i < 2; i++) {
		xl = latency(xfd, sizes[i], 0);
		ll = latency(lfd, sizes[i], 0);
		ev0 = sb_sysfs_num(xid, "channel/events");
		in0 = sb_sysfs_num(xid, "channel/interrupts");
		xt = throughput(xfd, sizes[i], 0, &msgs);
		sig = (sb_sysfs_num(xid, "channel/events") - ev0 +
		       sb_sysfs_num(xid, "channel/interrupts") - in0) / (double)msgs;
		lt = throughput(lfd, sizes[i], 0, &msgs);
		printf("%-6zu %-10s %9.1f us %9.1f us %8.2f  (ivshmem/loopback, lower is better)\n",
		       sizes[i], "latency", xl, ll, xl / ll);
		printf("%-6zu %-10s %7.2f MB/s %7.2f MB/s %8.2f  (ivshmem/loopback, higher is better)\n",
		       sizes[i], "throughput", xt, lt, xt / lt);
		printf("%-6zu %-10s %12.0f %12.0f %8s  (messages per second)\n",
		       sizes[i], "msgs/s", xt * 1e6 / sizes[i], lt * 1e6 / sizes[i], "-");
		printf("%-6zu %-10s %12.3f %12s %8s  (doorbells both ways per message)\n",
		       sizes[i], "signals", sig, "-", "-");
	}
	close(xfd);
	close(lfd);
	sb_rescind(id);
	return 0;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 64, 1024, 4096 };
	double sl[3], vl[3], st[3], vt[3], sig[3], sig_to[3];
	long long ev0, in0;
	long msgs;
	char id[37];
	pthread_t srv;
	int fd, vfd, ls, i, ret;

	if (argc > 1)
		secs = atof(argv[1]);
	if (argc > 2)
		return cross(argv[2]);
	ret = sb_offer(SYNBUS_ECHO_CLASS_STR, 256 * 1024, 0, id);
	if (ret) {
		fprintf(stderr, "offer: %s\n", strerror(-ret));
		return 1;
	}
	fd = sb_echo_open(id, 0);
	vfd = vsock_connect(&srv, &ls);
	if (fd < 0 || vfd < 0) {
		perror("open");
		return 1;
	}
	for (i = 0; i < 3; i++) {
		sl[i] = latency(fd, sizes[i], 0);
		vl[i] = latency(vfd, sizes[i], 1);
		ev0 = sb_sysfs_num(id, "channel/events");
		in0 = sb_sysfs_num(id, "channel/interrupts");
		st[i] = throughput(fd, sizes[i], 0, &msgs);
		sig_to[i] = (sb_sysfs_num(id, "channel/events") - ev0) / (double)msgs;
		sig[i] = sig_to[i] +
			 (sb_sysfs_num(id, "channel/interrupts") - in0) / (double)msgs;
		vt[i] = throughput(vfd, sizes[i], 1, &msgs);
	}
	printf("%-6s %-10s %12s %12s %8s\n", "size", "figure", "synbus", "vsock", "ratio");
	for (i = 0; i < 3; i++) {
		printf("%-6zu %-10s %9.1f us %9.1f us %8.2f  (synbus/vsock, lower is better)\n",
		       sizes[i], "latency", sl[i], vl[i], sl[i] / vl[i]);
		printf("%-6zu %-10s %7.2f MB/s %7.2f MB/s %8.2f  (synbus/vsock, higher is better)\n",
		       sizes[i], "throughput", st[i], vt[i], st[i] / vt[i]);
		printf("%-6zu %-10s %12.3f %12s %8s  (to host %.3f, from host %.3f per message)\n",
		       sizes[i], "signals", sig[i], "-", "-", sig_to[i], sig[i] - sig_to[i]);
	}
	close(vfd);
	shutdown(ls, SHUT_RDWR);
	close(ls);
	close(fd);
	sb_rescind(id);
	return 0;
}
