// SPDX-License-Identifier: GPL-2.0
/*
 * The fd keeper: a tiny process that holds the daemon's long-lived fds
 * (listening sockets, QEMU connections, windows, eventfds) under names,
 * so that a restarted daemon gets them back and the VMs never notice
 * more than a host_gen bump. It is systemd's FDSTORE=1 idea without
 * systemd: QEMU does not reconnect to an ivshmem server, so losing a
 * connection fd would lose the VM's doorbells until QEMU restarts.
 *
 * Requests (struct hd_keep_msg over SOCK_SEQPACKET, an fd attached to
 * PUT): PUT name [fd] [data] replaces, DEL name, GET answers ENT per entry
 * and END, STOP exits. It trusts its clients: the socket is 0600 root's.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "window.h"

#define KEEP_CLIENTS	8

struct kent {
	char name[64];
	char data[1024];
	int fd;
};

static struct kent *ents;
static int nents, capents;

static struct kent *kfind(const char *name)
{
	int i;

	for (i = 0; i < nents; i++)
		if (!strcmp(ents[i].name, name))
			return &ents[i];
	return NULL;
}

static void kdel(const char *name)
{
	struct kent *e = kfind(name);

	if (!e)
		return;
	if (e->fd >= 0)
		close(e->fd);
	*e = ents[--nents];
}

static void kput(const struct hd_keep_msg *m, int fd)
{
	struct kent *e;

	kdel(m->name);
	if (nents == capents) {
		int cap = capents ? 2 * capents : 32;
		struct kent *n = realloc(ents, cap * sizeof(*n));

		if (!n) {
			if (fd >= 0)
				close(fd);
			return;
		}
		ents = n;
		capents = cap;
	}
	e = &ents[nents++];
	memcpy(e->name, m->name, sizeof(e->name));
	memcpy(e->data, m->data, sizeof(e->data));
	e->fd = fd;
}

static void ksend(int c, const struct hd_keep_msg *m, int fd)
{
	/* A client gone meanwhile is noticed at its next request. */
	hd_send_fd(c, m, sizeof(*m), fd);
}

/* One request; false when the client is gone. */
static bool kserve(int c)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct hd_keep_msg m, a;
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	ssize_t len = recvmsg(c, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	int fd = -1, i, k, nfd;

	if (len < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (len <= 0)
		return false;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < nfd; k++) {
			int f;

			memcpy(&f, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
			if (fd < 0)
				fd = f;
			else
				close(f);
		}
	}
	if (len != sizeof(m)) {
		if (fd >= 0)
			close(fd);
		return true;
	}
	m.name[sizeof(m.name) - 1] = 0;
	m.data[sizeof(m.data) - 1] = 0;
	switch (m.op) {
	case HD_KEEP_PUT:
		kput(&m, fd);
		return true;
	case HD_KEEP_DEL:
		kdel(m.name);
		break;
	case HD_KEEP_GET:
		for (i = 0; i < nents; i++) {
			memset(&a, 0, sizeof(a));
			a.op = HD_KEEP_ENT;
			a.has_fd = ents[i].fd >= 0;
			memcpy(a.name, ents[i].name, sizeof(a.name));
			memcpy(a.data, ents[i].data, sizeof(a.data));
			ksend(c, &a, ents[i].fd);
		}
		memset(&a, 0, sizeof(a));
		a.op = HD_KEEP_END;
		ksend(c, &a, -1);
		break;
	case HD_KEEP_STOP:
		_exit(0);
	}
	if (fd >= 0)
		close(fd);
	return true;
}

void hd_keeper_run(int lfd)
{
	struct pollfd p[1 + KEEP_CLIENTS];
	sigset_t none;
	int i, n = 1, devnull;

	/* Nothing of the daemon's but the listening socket stays open. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	if (lfd != 3) {
		dup2(lfd, 3);
		lfd = 3;
	}
	close_range(4, ~0U, 0);
	devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		close(devnull);
	}
	p[0].fd = lfd;
	p[0].events = POLLIN;
	for (;;) {
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (i = n - 1; i >= 1; i--) {
			if (!p[i].revents)
				continue;
			if ((p[i].revents & POLLIN) && kserve(p[i].fd))
				continue;
			close(p[i].fd);
			p[i] = p[--n];
		}
		if (p[0].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0 && n < 1 + KEEP_CLIENTS) {
				p[n].fd = c;
				p[n++].events = POLLIN;
			} else if (c >= 0) {
				close(c);
			}
		}
	}
}
