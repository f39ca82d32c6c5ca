// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata requests to the coordinator over the cluster network: one TCP
 * connection per request, one fixed-size frame each way (a CSV_OP_IO
 * request instead turns its connection into one of redirected I/O, see
 * redirect.c and iosrv.c). Every node
 * listens; a node that is not the coordinator answers ESTALE and the
 * sender looks for the coordinator again. A request is only served for a
 * node that is in the lockspace and, once joined, from the address it
 * joined with; whatever else arrives is refused and logged.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inet.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <net/sock.h>
#include <net/tcp.h>
#include "csv.h"

/* How long a peer may take to send or read its frame (192 bytes). */
#define CSV_RPC_IO_TIMEOUT	HZ
/* How long a request waits for the coordinator's answer. */
#define CSV_RPC_REPLY_TIMEOUT	(10 * HZ)
/* How long a request looks for a coordinator before giving up. */
#define CSV_RPC_DEADLINE	(30 * HZ)

static int csv_sockaddr(struct sockaddr_storage *ss, u16 family,
			const u8 *addr, u16 port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == CSV_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr, 4);
		return sizeof(*sin);
	}
	if (family == CSV_AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, addr, 16);
		return sizeof(*sin6);
	}
	return -EAFNOSUPPORT;
}

/* Does the peer of sock have this address? */
static bool csv_peer_is(struct socket *sock, u16 family, const u8 *addr)
{
	struct sockaddr_storage ss;

	if (kernel_getpeername(sock, (struct sockaddr *)&ss) < 0)
		return false;
	if (family == CSV_AF_INET && ss.ss_family == AF_INET)
		return !memcmp(&((struct sockaddr_in *)&ss)->sin_addr, addr, 4);
	if (family == CSV_AF_INET6 && ss.ss_family == AF_INET6)
		return !memcmp(&((struct sockaddr_in6 *)&ss)->sin6_addr, addr,
			       16);
	return false;
}

static int csv_xfer(struct socket *sock, struct csv_msg *m, bool send)
{
	struct kvec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr msg = { .msg_flags = send ? MSG_NOSIGNAL : MSG_WAITALL };
	int ret;

	if (send)
		ret = kernel_sendmsg(sock, &msg, &iov, 1, sizeof(*m));
	else
		ret = kernel_recvmsg(sock, &msg, &iov, 1, sizeof(*m),
				     MSG_WAITALL);
	if (ret == sizeof(*m))
		return 0;
	return ret < 0 ? ret : -EPROTO;
}

/*
 * len bytes to or from a stream socket of redirected I/O (how: CSV_SK_*).
 * A receive timeout before the first byte is -EAGAIN with CSV_SK_IDLE (an
 * idle link); inside a frame the peer gets ten of them to go on.
 */
int csv_sock_io(struct socket *sock, void *buf, size_t len, unsigned int how)
{
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { };
	int ret, waits = 0;

	while (iov.iov_len) {
		if (how & CSV_SK_SEND) {
			msg.msg_flags = MSG_NOSIGNAL |
					(how & CSV_SK_MORE ? MSG_MORE : 0);
			ret = kernel_sendmsg(sock, &msg, &iov, 1, iov.iov_len);
		} else {
			msg.msg_flags = MSG_WAITALL;
			ret = kernel_recvmsg(sock, &msg, &iov, 1, iov.iov_len,
					     MSG_WAITALL);
		}
		if (ret == -EAGAIN && !(how & CSV_SK_SEND)) {
			if (how & CSV_SK_IDLE && iov.iov_len == len)
				return -EAGAIN;
			if (kthread_should_stop() || ++waits > 10)
				return -ETIMEDOUT;
			continue;
		}
		if (ret <= 0)
			return ret ? ret : -ECONNRESET;
		iov.iov_base += ret;
		iov.iov_len -= ret;
	}
	return 0;
}

/* The end of a thread that kthread_stop() will reap: wait for it. */
void csv_wait_for_stop(void)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
}

static void csv_sock_timeouts(struct socket *sock, long t)
{
	sock->sk->sk_rcvtimeo = t;
	sock->sk->sk_sndtimeo = t;
}

/* Why the frame is malformed, or NULL. */
static const char *csv_msg_bad(struct csv_vol *vol, const struct csv_msg *m)
{
	u16 op = le16_to_cpu(m->op);

	if (le32_to_cpu(m->magic) != CSV_MSG_MAGIC ||
	    le16_to_cpu(m->version) != CSV_MSG_VERSION)
		return "bad magic or version";
	if (!op || op > CSV_OP_MAX)
		return "unknown request";
	if (!memchr(m->disk, 0, sizeof(m->disk)) ||
	    !memchr(m->new_name, 0, sizeof(m->new_name)))
		return "unterminated name";
	if (memcmp(m->uuid, vol->sb.uuid, sizeof(m->uuid)))
		return "another volume";
	if (le32_to_cpu(m->flags) & ~(CSV_RESIZE_SHRINK | CSV_REDIRECT_ON))
		return "unknown flags";
	return NULL;
}

/* May the sender of m on sock ask for anything? 0 or an errno. */
static int csv_peer_allowed(struct csv_vol *vol, struct socket *sock,
			    const struct csv_msg *m)
{
	u32 nodeid = le32_to_cpu(m->nodeid);
	const struct csv_node_slot *s;
	int ret = 0;

	if (!csv_is_member(vol, nodeid) || nodeid == csv_vol_nodeid(vol))
		return -EPERM;
	ret = csv_token_check(vol, nodeid, m->token);
	if (ret)
		return ret;
	if (le16_to_cpu(m->op) == CSV_OP_JOIN)
		return csv_peer_is(sock, le16_to_cpu(m->family), m->addr) ?
		       0 : -EPERM;
	mutex_lock(&vol->meta_lock);
	s = csv_tbl_node_find(&vol->tbl, nodeid);
	if (!s || !(le32_to_cpu(s->flags) & CSV_NODE_JOINED) ||
	    !csv_peer_is(sock, le16_to_cpu(s->family), s->addr))
		ret = -EPERM;
	mutex_unlock(&vol->meta_lock);
	return ret;
}

/*
 * The coordinator takes a member's I/O connection: from now on the socket
 * belongs to iosrv.c. True when it was taken.
 */
static bool csv_serve_io(struct csv_vol *vol, struct socket *sock,
			 struct csv_msg *m)
{
	int ret = 0;

	if (!vol->coordinator || vol->leaving ||
	    le64_to_cpu(m->epoch) != vol->epoch)
		ret = -ESTALE;
	m->status = cpu_to_le32(-ret);
	m->epoch = cpu_to_le64(vol->epoch);
	if (csv_xfer(sock, m, true) || ret)
		return false;
	csv_iosrv_add(vol, sock, le32_to_cpu(m->nodeid));
	return true;
}

static bool csv_serve(struct csv_vol *vol, struct socket *sock)
{
	struct csv_msg m;
	const char *why;
	int ret;

	csv_sock_timeouts(sock, CSV_RPC_IO_TIMEOUT);
	ret = csv_xfer(sock, &m, false);
	if (ret) {
		atomic64_inc(&vol->requests_refused);
		csv_warn(vol, "request from a peer: short frame (%d)\n", ret);
		return false;
	}
	why = csv_msg_bad(vol, &m);
	if (why) {
		atomic64_inc(&vol->requests_refused);
		csv_warn(vol, "request from node %u refused: %s\n",
			 le32_to_cpu(m.nodeid), why);
		ret = -EINVAL;
	} else {
		ret = csv_peer_allowed(vol, sock, &m);
		if (ret) {
			atomic64_inc(&vol->requests_refused);
			csv_warn(vol, "request from node %u refused: not that member (%d)\n",
				 le32_to_cpu(m.nodeid), ret);
			ret = -EPERM;
		}
	}
	if (!ret && le16_to_cpu(m.op) == CSV_OP_IO)
		return csv_serve_io(vol, sock, &m);
	if (!ret) {
		ret = csv_meta_exec(vol, &m);
		atomic64_inc(&vol->requests_served);
	}
	m.status = cpu_to_le32(-ret);
	csv_xfer(sock, &m, true);
	return false;
}

static int csv_server_fn(void *arg)
{
	struct csv_vol *vol = arg;
	struct socket *conn;
	int ret;

	while (!kthread_should_stop()) {
		/* The listener's receive timeout brings us back here. */
		csv_iosrv_reap(vol);
		ret = kernel_accept(vol->listen, &conn, 0);
		if (ret) {
			if (ret != -EAGAIN && ret != -EINTR)
				msleep(100);	/* no busy loop on errors */
			continue;
		}
		if (csv_serve(vol, conn))
			continue;
		kernel_sock_shutdown(conn, SHUT_RDWR);
		sock_release(conn);
	}
	return 0;
}

int csv_rpc_start(struct csv_vol *vol)
{
	struct sockaddr_storage ss;
	struct task_struct *t;
	int len, ret;

	len = csv_sockaddr(&ss, vol->family, vol->addr, vol->port);
	if (len < 0)
		return len;
	ret = sock_create_kern(&init_net, ss.ss_family, SOCK_STREAM,
			       IPPROTO_TCP, &vol->listen);
	if (ret)
		return ret;
	sock_set_reuseaddr(vol->listen->sk);
	vol->listen->sk->sk_rcvtimeo = HZ / 2;
	ret = kernel_bind(vol->listen, (struct sockaddr *)&ss, len);
	if (!ret)
		ret = kernel_listen(vol->listen, 16);
	if (ret) {
		csv_warn(vol, "cannot listen on port %u: %d\n", vol->port, ret);
		goto release;
	}
	t = kthread_run(csv_server_fn, vol, "csv-rpc/%s", vol->name);
	if (IS_ERR(t)) {
		ret = PTR_ERR(t);
		goto release;
	}
	vol->server = t;
	return 0;
release:
	sock_release(vol->listen);
	vol->listen = NULL;
	return ret;
}

void csv_rpc_stop(struct csv_vol *vol)
{
	if (!vol->listen)
		return;
	kthread_stop(vol->server);
	sock_release(vol->listen);
	vol->listen = NULL;
	csv_iosrv_stop_all(vol);
}

/* Send m to the coordinator k names and read its answer into m. */
static int csv_exchange(const struct csv_lvb *k, struct csv_msg *m,
			struct socket **out)
{
	struct sockaddr_storage ss;
	struct socket *sock;
	int len, ret;

	len = csv_sockaddr(&ss, le16_to_cpu(k->family), k->addr,
			   le16_to_cpu(k->port));
	if (len < 0)
		return len;
	ret = sock_create_kern(&init_net, ss.ss_family, SOCK_STREAM,
			       IPPROTO_TCP, &sock);
	if (ret)
		return ret;
	csv_sock_timeouts(sock, CSV_RPC_REPLY_TIMEOUT);
	ret = kernel_connect(sock, (struct sockaddr *)&ss, len, 0);
	if (!ret)
		ret = csv_xfer(sock, m, true);
	if (!ret)
		ret = csv_xfer(sock, m, false);
	if (ret || !out) {
		kernel_sock_shutdown(sock, SHUT_RDWR);
		sock_release(sock);
		return ret ? -ENOTCONN : 0;
	}
	*out = sock;
	return 0;
}

static void csv_msg_fill(struct csv_vol *vol, struct csv_msg *m)
{
	m->magic = cpu_to_le32(CSV_MSG_MAGIC);
	m->version = cpu_to_le16(CSV_MSG_VERSION);
	m->nodeid = cpu_to_le32(csv_vol_nodeid(vol));
	m->port = cpu_to_le16(vol->port);
	m->family = cpu_to_le16(vol->family);
	memcpy(m->addr, vol->addr, sizeof(m->addr));
	memcpy(m->uuid, vol->sb.uuid, sizeof(m->uuid));
	memcpy(m->token, vol->token, sizeof(m->token));
}

/* The answer is input too: 0 or its status, -EPROTO when malformed. */
static int csv_answer(struct csv_vol *vol, const struct csv_lvb *k,
		      const struct csv_msg *m, __le16 op)
{
	u32 status = le32_to_cpu(m->status);

	if (le32_to_cpu(m->magic) != CSV_MSG_MAGIC ||
	    le16_to_cpu(m->version) != CSV_MSG_VERSION || m->op != op ||
	    status > MAX_ERRNO || status == ERESTARTSYS) {
		csv_warn(vol, "malformed answer from node %u\n",
			 le32_to_cpu(k->nodeid));
		return -EPROTO;
	}
	return -(int)status;
}

/*
 * Open an I/O connection to the coordinator k names (redirect.c). The
 * socket keeps the long reply timeout: the reader loops on it.
 */
int csv_rpc_connect(struct csv_vol *vol, const struct csv_lvb *k,
		    struct socket **out)
{
	struct csv_msg *m;
	int ret;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	csv_msg_fill(vol, m);
	m->op = cpu_to_le16(CSV_OP_IO);
	m->epoch = k->epoch;
	ret = csv_exchange(k, m, out);
	if (!ret) {
		ret = csv_answer(vol, k, m, cpu_to_le16(CSV_OP_IO));
		if (ret) {
			kernel_sock_shutdown(*out, SHUT_RDWR);
			sock_release(*out);
		}
	}
	kfree(m);
	return ret;
}

static int csv_call(struct csv_vol *vol, const struct csv_lvb *k,
		    struct csv_msg *m)
{
	__le16 op = m->op;
	int ret;

	ret = csv_exchange(k, m, NULL);
	if (ret)
		return -ENOTCONN;
	atomic64_inc(&vol->requests_sent);
	return csv_answer(vol, k, m, op);
}

/*
 * Run request m at the coordinator: here when we are it, else over the
 * network. While nobody is coordinator, or the one we know does not
 * answer or says it no longer is, wait for info:<volume> to tell us more.
 */
static int csv_request_one(struct csv_vol *vol, struct csv_msg *m)
{
	unsigned long deadline = jiffies + CSV_RPC_DEADLINE;
	struct csv_msg req;
	struct csv_lvb k;
	int ret;

	csv_msg_fill(vol, m);
	/* Numbered, so that a request sent twice is done once (meta.c). */
	if (le16_to_cpu(m->op) != CSV_OP_JOIN) {
		u32 seq = atomic_inc_return(&vol->req_seq);

		if (!seq)
			seq = atomic_inc_return(&vol->req_seq);
		m->id = cpu_to_le64(seq);
	}
	req = *m;
	do {
		csv_known(vol, &k);
		*m = req;
		m->epoch = k.epoch;
		if (vol->coordinator) {
			ret = csv_meta_exec(vol, m);
			if (ret != -ESTALE)
				return ret;
		} else if (k.nodeid &&
			   le32_to_cpu(k.nodeid) != csv_vol_nodeid(vol)) {
			/* (Naming us, it is older than our stepping down.) */
			ret = csv_call(vol, &k, m);
			if (ret != -ESTALE && ret != -ENOTCONN)
				return ret;
		}
		/* Wait for news of a (new) coordinator, or poll. */
		wait_event_timeout(vol->wait, ({ struct csv_lvb n;
			csv_known(vol, &n); n.epoch != k.epoch; }), HZ / 5);
	} while (time_before(jiffies, deadline) && !fatal_signal_pending(current));
	/* Nobody answered as coordinator in time. */
	return -ETIMEDOUT;
}

/*
 * One at a time per volume: the coordinator remembers a node's last
 * request done, so two under way at once could not both be told apart
 * when sent again.
 */
int csv_request(struct csv_vol *vol, struct csv_msg *m)
{
	int ret;

	ret = mutex_lock_killable(&vol->req_lock);
	if (ret)
		return ret;
	ret = csv_request_one(vol, m);
	mutex_unlock(&vol->req_lock);
	return ret;
}
