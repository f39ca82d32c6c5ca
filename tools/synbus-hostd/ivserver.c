// SPDX-License-Identifier: GPL-2.0
/*
 * The ivshmem server protocol (QEMU docs/specs/ivshmem-spec.rst), one
 * socket per VM, and the client side of the fd keeper.
 *
 * Each VM has its own socket and window: the daemon is peer 0, the VM is
 * peer 1. On connect QEMU gets little-endian int64 messages: version 0;
 * its id 1; -1 with the window fd; 0 with our doorbell eventfd (the guest
 * writing 0 << 16 | 0 to Doorbell makes QEMU write it); 1 with the
 * guest's eventfd (we write it, QEMU raises the guest's vector 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "window.h"

#define IVSHMEM_PROTOCOL_VERSION	0
#define HOST_PEER	0
#define GUEST_PEER	1

static int keeper_fd = -1;

int hd_listen_unix(const char *path, int type, mode_t mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A socket left by a daemon that is gone: we hold the lock now. */
	if (!lstat(path, &st) && S_ISSOCK(st.st_mode))
		unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, mode) < 0 || listen(fd, 16) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int hd_send_fd(int sock, const void *buf, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) != (ssize_t)len)
		return errno ? -errno : -EIO;
	return 0;
}

static int send_int64(int sock, int64_t v, int fd)
{
	int64_t le = htole64(v);

	return hd_send_fd(sock, &le, sizeof(le), fd);
}

static void keep_vm_fd(const struct hd_vm *vm, const char *what, int fd)
{
	char name[80];

	snprintf(name, sizeof(name), "%s:%s", what, vm->name);
	if (fd >= 0)
		hd_keeper_put(name, fd, NULL);
	else
		hd_keeper_del(name);
}

void hd_qemu_accept(struct hd_vm *vm)
{
	int fd, hefd = -1, gefd = -1, ret;

	fd = accept4(vm->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	if (vm->conn_fd >= 0) {
		hd_log(vm, "refusing a second QEMU: the VM is connected");
		vm->refused++;
		close(fd);
		return;
	}
	hefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	gefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ret = hefd < 0 || gefd < 0 ? -errno : 0;
	if (!ret) {
		/* A new QEMU is a new guest: the window starts over. */
		hd_vm_forget(vm);
		hd_vm_ram_close(vm);
		hd_window_init(vm);
		ret = send_int64(fd, IVSHMEM_PROTOCOL_VERSION, -1);
	}
	if (!ret)
		ret = send_int64(fd, GUEST_PEER, -1);
	if (!ret)
		ret = send_int64(fd, -1, vm->win_fd);
	/* The other peer (us), one eventfd per vector; vectors=1. */
	if (!ret)
		ret = send_int64(fd, HOST_PEER, hefd);
	/* Then the VM's own vector. */
	if (!ret)
		ret = send_int64(fd, GUEST_PEER, gefd);
	if (ret) {
		hd_warn(vm, "QEMU connection setup: %s", strerror(-ret));
		close(fd);
		if (hefd >= 0)
			close(hefd);
		if (gefd >= 0)
			close(gefd);
		return;
	}
	vm->conn_fd = fd;
	vm->host_efd = hefd;
	vm->guest_efd = gefd;
	vm->connects++;
	hd_epoll_add(fd, HD_SRC_CONN, vm->serial);
	hd_epoll_add(hefd, HD_SRC_DOORBELL, vm->serial);
	keep_vm_fd(vm, "conn", fd);
	keep_vm_fd(vm, "hefd", hefd);
	keep_vm_fd(vm, "gefd", gefd);
	hd_log(vm, "QEMU connected");
}

/* QEMU never talks after the setup; EOF is its exit. */
void hd_qemu_input(struct hd_vm *vm)
{
	char buf[512];
	ssize_t n = read(vm->conn_fd, buf, sizeof(buf));

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		hd_qemu_down(vm, n ? strerror(errno) : "QEMU disconnected");
}

void hd_qemu_down(struct hd_vm *vm, const char *why)
{
	if (vm->conn_fd < 0)
		return;
	hd_log(vm, "down: %s", why);
	hd_vm_forget(vm);
	vm->up = false;
	vm->served_gen = 0;
	hd_epoll_del(vm->conn_fd);
	hd_epoll_del(vm->host_efd);
	close(vm->conn_fd);
	close(vm->host_efd);
	close(vm->guest_efd);
	vm->conn_fd = vm->host_efd = vm->guest_efd = -1;
	hd_vm_ram_close(vm);
	keep_vm_fd(vm, "conn", -1);
	keep_vm_fd(vm, "hefd", -1);
	keep_vm_fd(vm, "gefd", -1);
}

void hd_doorbell(struct hd_vm *vm)
{
	uint64_t v;

	if (read(vm->host_efd, &v, sizeof(v)) == sizeof(v))
		vm->doorbells_in++;
	hd_vm_process(vm);
}

void hd_ring_guest(struct hd_vm *vm)
{
	uint64_t one = 1;

	if (vm->guest_efd < 0)
		return;
	if (write(vm->guest_efd, &one, sizeof(one)) == sizeof(one))
		vm->doorbells_out++;
}

/* ---- the fd keeper's client ----------------------------------------- */

static char *keeper_path(void)
{
	char *p;

	if (asprintf(&p, "%s/keeper.sock", hd_dir) < 0)
		return NULL;
	return p;
}

static int keeper_spawn(const char *path)
{
	pid_t pid;
	int lfd, st;

	lfd = hd_listen_unix(path, SOCK_SEQPACKET, 0600);
	if (lfd < 0)
		return lfd;
	pid = fork();
	if (pid < 0) {
		close(lfd);
		return -errno;
	}
	if (!pid) {
		/* Its own session, and reparented to init: it outlives us. */
		setsid();
		if (fork())
			_exit(0);
		hd_keeper_run(lfd);
	}
	close(lfd);
	waitpid(pid, &st, 0);
	return 0;
}

int hd_keeper_connect(bool spawn)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	char *path = keeper_path();
	int fd, ret;

	if (!path)
		return -ENOMEM;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		free(path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	if (spawn) {
		ret = keeper_spawn(path);
		if (ret) {
			free(path);
			return ret;
		}
	}
	free(path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	keeper_fd = fd;
	return fd;
}

static void keeper_send(uint32_t op, const char *name, int fd, const char *data)
{
	struct hd_keep_msg m = { .op = op, .has_fd = fd >= 0 };
	int ret;

	if (keeper_fd < 0)
		return;
	/* Truncated, a record would come back under another name. */
	if ((name && strlen(name) >= sizeof(m.name)) ||
	    (data && strlen(data) >= sizeof(m.data))) {
		hd_log(NULL, "fd keeper: %.64s...: record too long, not kept",
		       name ? name : "");
		return;
	}
	if (name)
		strcpy(m.name, name);
	if (data)
		strcpy(m.data, data);
	ret = hd_send_fd(keeper_fd, &m, sizeof(m), fd);
	if (ret)
		hd_log(NULL, "fd keeper: %s: %s", name ? name : "", strerror(-ret));
}

void hd_keeper_put(const char *name, int fd, const char *data)
{
	keeper_send(HD_KEEP_PUT, name, fd, data);
}

void hd_keeper_del(const char *name)
{
	keeper_send(HD_KEEP_DEL, name, -1, NULL);
}

void hd_keeper_stop(void)
{
	keeper_send(HD_KEEP_STOP, NULL, -1, NULL);
}

/* One message from the keeper: its length (0: EOF), -errno; *fd passed or -1. */
static ssize_t keeper_recv(struct hd_keep_msg *m, int flags, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	ssize_t len = recvmsg(keeper_fd, &mh, flags | MSG_CMSG_CLOEXEC);

	*fd = -1;
	if (len < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return len;
}

/*
 * The keeper's connection is readable or hung up. The keeper only
 * answers GET, so what comes unasked is a late answer to a GET that timed
 * out: dropped. Only a hangup or EOF means the keeper died: start another
 * and give it everything again.
 */
void hd_keeper_event(uint32_t events)
{
	struct hd_keep_msg m;
	ssize_t len = 0;
	int i, fd;

	if (!(events & (EPOLLHUP | EPOLLERR))) {
		for (i = 0; i < 64; i++) {
			len = keeper_recv(&m, MSG_DONTWAIT, &fd);
			if (len == -EAGAIN || len == -EINTR)
				return;
			if (len <= 0)
				break;
			if (fd >= 0)
				close(fd);
			hd_warn(NULL, "fd keeper: dropped a message nobody asked for");
		}
		if (len > 0)
			return;		/* more at the next event */
	}
	hd_log(NULL, "fd keeper gone: starting a new one");
	hd_epoll_del(keeper_fd);
	close(keeper_fd);
	keeper_fd = -1;
	if (hd_keeper_connect(true) < 0) {
		hd_log(NULL, "cannot start the fd keeper: a restart loses the VMs");
		return;
	}
	hd_epoll_add(keeper_fd, HD_SRC_KEEPER, 0);
	hd_keeper_refill();
}

/*
 * Everything the keeper holds: read up to its END (or EOF, or the receive
 * timeout), so that nothing of the answer is left in the socket.
 */
int hd_keeper_get(struct hd_kept **ents)
{
	struct hd_kept *v = NULL, *nv;
	struct hd_keep_msg m;
	int n = 0, cap = 0, fd;
	ssize_t len;

	keeper_send(HD_KEEP_GET, NULL, -1, NULL);
	for (;;) {
		len = keeper_recv(&m, 0, &fd);
		if (len == -EINTR)
			continue;
		if (len <= 0)
			break;
		if (len != sizeof(m) || m.op != HD_KEEP_ENT) {
			if (fd >= 0)
				close(fd);
			if (len == sizeof(m) && m.op == HD_KEEP_END)
				break;
			hd_log(NULL, "fd keeper: dropped a bad answer (%zd bytes)", len);
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				cap = n;
				if (fd >= 0)
					close(fd);
				hd_log(NULL, "fd keeper: out of memory, %.64s lost", m.name);
				continue;
			}
			v = nv;
		}
		m.name[sizeof(m.name) - 1] = 0;
		m.data[sizeof(m.data) - 1] = 0;
		memcpy(v[n].name, m.name, sizeof(m.name));
		memcpy(v[n].data, m.data, sizeof(m.data));
		v[n++].fd = fd;
	}
	if (len < 0)
		hd_log(NULL, "fd keeper: answer cut short: %s", strerror(-len));
	*ents = v;
	return n;
}
