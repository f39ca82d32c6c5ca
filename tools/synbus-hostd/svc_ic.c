// SPDX-License-Identifier: GPL-2.0
/*
 * The integration services across the VM boundary: heartbeat, shutdown,
 * time sync and backup, the host side of the guest's synbus_util.ko. The
 * protocol is the one synbus_util_host.ko speaks to the loopback host
 * (vmbus/util/ic.h, Documentation/synbus-services.rst): the host sends
 * requests, the guest answers each with the request's tag; one request
 * in flight per channel. A channel negotiates 1.0 when it opens; the
 * heartbeat and the time samples then run from the tick, the commands
 * send theirs and wait for the answer.
 *
 * The guest is untrusted: answers are bounded, matched by tag and
 * transaction id and checked for their size; others are counted.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostd.h"
#include "../../vmbus/util/ic.h"

#define IC_HDR_LEN	((uint32_t)sizeof(struct synbus_ic_hdr))
#define IC_VERSION	SYNBUS_IC_VER(1, 0)
#define IC_RING_SIZE	8192		/* the guest opens 2 pages anyway */
#define IC_REPLY_MS	5000
#define IC_NEG_TRIES	5
/* The guest's helper has 30 s per step (vss_daemon_timeout): outwait it. */
#define IC_VSS_WAIT_MS	35000
#define HB_PERIOD_MS	1000
#define HB_PERIOD_MIN	100		/* the tick's granularity */
#define HB_PERIOD_MAX	3600000
#define TS_PERIOD_MS	5000
#define VSS_TIMEOUT_MAX	900		/* the guest clamps to 1..900 s */

/* What differs between the four services. */
struct ic_kind {
	const char *name;
	uint16_t type;		/* enum synbus_ic_type of its requests */
	uint32_t payload_len;
};

static const struct ic_kind ic_hb = {
	"heartbeat", SYNBUS_IC_HEARTBEAT, sizeof(struct synbus_ic_heartbeat)
};
static const struct ic_kind ic_sd = {
	"shutdown", SYNBUS_IC_SHUTDOWN, sizeof(struct synbus_ic_shutdown)
};
static const struct ic_kind ic_ts = {
	"timesync", SYNBUS_IC_TIMESYNC, sizeof(struct synbus_ic_timesync)
};
static const struct ic_kind ic_vss = {
	"backup", SYNBUS_IC_VSS, sizeof(struct synbus_ic_vss)
};

/*
 * Per channel, zeroed at offer; open() resets the session part. A command
 * waiting for an answer keeps only the tag: tags are unique in the
 * daemon, so a channel that closed or was offered anew never matches.
 */
struct ic_chan {
	const struct ic_kind *kind;
	uint32_t version;		/* negotiated, 0 before */
	unsigned int neg_tries;		/* negotiations left */
	uint64_t opened_ms;
	/* the request in flight */
	uint64_t tag;			/* 0: none */
	uint16_t req_type;
	bool sync;			/* a command waits for it */
	uint64_t deadline_ms;		/* async requests only */
	uint64_t sent_seq;		/* heartbeat: the seq sent */
	uint32_t sent_flags;		/* timesync: the flags sent */
	/* the answer a command waits for, until it takes it */
	uint64_t resp_tag;
	int resp_len;			/* bytes, or -EBADMSG */
	uint8_t resp[SYNBUS_IC_MAX_PKT];
	/* counters */
	uint64_t rejected;		/* malformed answers */
	uint64_t stray;			/* answers to no request in flight */
	/* heartbeat */
	bool period_set;
	unsigned int period_ms;
	uint64_t hb_next_ms;
	uint64_t seq;			/* last seq the guest returned */
	uint64_t last_ms;		/* when; 0 none this session */
	uint64_t beats, misses;
	/* time sync */
	bool sync_next;			/* the next sample is a SYNC */
	uint64_t ts_next_ms;
	uint64_t samples;		/* samples the guest took */
	uint64_t sample_ms;
};

static uint64_t ic_next_tag;

static unsigned int hb_period(const struct ic_chan *st)
{
	return st->period_set ? st->period_ms : HB_PERIOD_MS;
}

static bool ic_idle(const struct ic_chan *st)
{
	return !st->tag && !st->resp_tag;
}

/* Send one request; the channel must be idle. */
static int ic_send(struct hd_chan *c, struct ic_chan *st, uint16_t type,
		   const void *payload, uint32_t len, bool sync,
		   unsigned int timeout_ms, uint64_t *tagp)
{
	uint8_t buf[SYNBUS_IC_MAX_PKT] __attribute__((aligned(8)));
	struct synbus_ic_hdr hdr = {};
	uint64_t tag = ++ic_next_tag;
	int ret;

	if (len > sizeof(buf) - IC_HDR_LEN || !ic_idle(st))
		return -EBUSY;
	hdr.type = htole16(type);
	hdr.flags = htole16(SYNBUS_IC_F_REQUEST);
	hdr.len = htole32(len);
	hdr.version = htole32(type == SYNBUS_IC_NEGOTIATE ? 0 : st->version);
	hdr.tag = htole64(tag);
	memcpy(buf, &hdr, IC_HDR_LEN);
	memcpy(buf + IC_HDR_LEN, payload, len);
	ret = hd_send(c, SYNBUS_PKT_INBAND, 0, tag, buf, IC_HDR_LEN + len);
	if (ret)
		return ret;
	st->tag = tag;
	st->req_type = type;
	st->sync = sync;
	st->deadline_ms = hd_now_ms() + timeout_ms;
	if (tagp)
		*tagp = tag;
	return 0;
}

static int ic_negotiate(struct hd_chan *c, struct ic_chan *st)
{
	struct synbus_ic_negotiate neg = {
		.count = htole16(1),
		.versions[0] = htole32(IC_VERSION),
	};

	return ic_send(c, st, SYNBUS_IC_NEGOTIATE, &neg, sizeof(neg), false,
		       IC_REPLY_MS, NULL);
}

static void hb_beat(struct hd_chan *c, struct ic_chan *st, uint64_t now)
{
	struct synbus_ic_heartbeat msg = { .seq = htole64(st->seq) };
	unsigned int to = hb_period(st);

	/* Unanswered by the next beat is a miss; 1..5 s either way. */
	to = to < 1000 ? 1000 : to > IC_REPLY_MS ? IC_REPLY_MS : to;
	if (!ic_send(c, st, SYNBUS_IC_HEARTBEAT, &msg, sizeof(msg), false, to,
		     NULL)) {
		st->sent_seq = st->seq;
		st->hb_next_ms = now + hb_period(st);
	}
}

static uint64_t ts_host_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A time sample; ref_ns 0: the host cannot read the guest's clock. */
static void ts_fill(struct synbus_ic_timesync *msg, uint32_t flags)
{
	memset(msg, 0, sizeof(*msg));
	msg->host_ns = htole64(ts_host_ns());
	msg->flags = htole32(flags);
}

static void ts_sample(struct hd_chan *c, struct ic_chan *st, uint64_t now)
{
	uint32_t flags = st->sync_next ? SYNBUS_IC_TIME_SYNC :
					 SYNBUS_IC_TIME_SAMPLE;
	struct synbus_ic_timesync msg;

	ts_fill(&msg, flags);
	if (!ic_send(c, st, SYNBUS_IC_TIMESYNC, &msg, sizeof(msg), false,
		     IC_REPLY_MS, NULL)) {
		st->sent_flags = flags;
		st->ts_next_ms = now + TS_PERIOD_MS;
	}
}

/* An answer (or its absence, @hdr NULL) to a request nobody waits for. */
static void ic_async_done(struct hd_chan *c, struct ic_chan *st,
			  const struct synbus_ic_hdr *hdr, const void *payload)
{
	uint32_t status = hdr ? le32toh(hdr->status) : SYNBUS_IC_E_TIMEOUT;
	struct synbus_ic_negotiate neg;
	struct synbus_ic_heartbeat hb;
	uint64_t now = hd_now_ms();

	switch (st->req_type) {
	case SYNBUS_IC_NEGOTIATE:
		if (payload && status == SYNBUS_IC_OK) {
			memcpy(&neg, payload, sizeof(neg));
			if (le32toh(neg.chosen) == IC_VERSION) {
				st->version = IC_VERSION;
				st->hb_next_ms = now;
				st->ts_next_ms = now;
				st->sync_next = true;
				return;
			}
		}
		/* No common version will not change: give up then. */
		if (status == SYNBUS_IC_E_VERSION || payload)
			st->neg_tries = 0;
		hd_warn(hd_chan_vm(c), "%s: negotiation failed (status %u)%s",
			st->kind->name, status,
			st->neg_tries ? ", trying again" : "");
		break;
	case SYNBUS_IC_HEARTBEAT:
		if (payload && status == SYNBUS_IC_OK) {
			memcpy(&hb, payload, sizeof(hb));
			if (le64toh(hb.seq) == st->sent_seq + 1) {
				st->seq = st->sent_seq + 1;
				st->last_ms = now;
				st->beats++;
				return;
			}
		}
		st->misses++;
		break;
	case SYNBUS_IC_TIMESYNC:
		if (status == SYNBUS_IC_OK) {
			st->samples++;
			st->sample_ms = now;
			if (st->sent_flags & SYNBUS_IC_TIME_SYNC)
				st->sync_next = false;
			return;
		}
		/* A SYNC that failed goes again soon. */
		if (st->sent_flags & SYNBUS_IC_TIME_SYNC)
			st->ts_next_ms = now + 1000;
		hd_warn(hd_chan_vm(c), "timesync: sample refused (status %u)",
			status);
		break;
	}
}

static void ic_reset(struct ic_chan *st)
{
	st->version = 0;
	st->tag = 0;
	st->resp_tag = 0;
	st->last_ms = 0;
}

static int ic_open(struct hd_chan *c, const struct ic_kind *kind)
{
	struct ic_chan *st = hd_chan_priv(c);

	st->kind = kind;
	ic_reset(st);
	st->opened_ms = hd_now_ms();
	st->neg_tries = IC_NEG_TRIES - 1;
	/* A full ring is retried from the tick. */
	ic_negotiate(c, st);
	return 0;
}

static int hb_open(struct hd_chan *c)
{
	return ic_open(c, &ic_hb);
}

static int sd_open(struct hd_chan *c)
{
	return ic_open(c, &ic_sd);
}

static int ts_open(struct hd_chan *c)
{
	return ic_open(c, &ic_ts);
}

static int vss_open(struct hd_chan *c)
{
	return ic_open(c, &ic_vss);
}

/* A waiting command sees its tag gone and no answer: "channel closed". */
static void ic_close(struct hd_chan *c)
{
	ic_reset(hd_chan_priv(c));
}

static void ic_bad(struct hd_chan *c, struct ic_chan *st, const char *why,
		   uint32_t val)
{
	st->rejected++;
	hd_warn(hd_chan_vm(c), "%s: rejected an answer: %s (%u)",
		st->kind ? st->kind->name : "ic", why, val);
}

static int ic_packet(struct hd_chan *c, const struct synbus_packet *pkt)
{
	struct ic_chan *st = hd_chan_priv(c);
	struct synbus_ic_hdr hdr;
	uint32_t plen, want;
	const void *payload;
	uint64_t tag;

	if (pkt->type != SYNBUS_PKT_INBAND) {
		ic_bad(c, st, "packet type", pkt->type);
		return 0;
	}
	if (pkt->len < IC_HDR_LEN || pkt->len > SYNBUS_IC_MAX_PKT) {
		ic_bad(c, st, "packet length", pkt->len);
		return 0;
	}
	memcpy(&hdr, pkt->data, IC_HDR_LEN);
	plen = pkt->len - IC_HDR_LEN;
	if (le16toh(hdr.flags) != SYNBUS_IC_F_RESPONSE ||
	    le32toh(hdr.len) != plen) {
		ic_bad(c, st, "header", le16toh(hdr.flags));
		return 0;
	}
	tag = le64toh(hdr.tag);
	if (!tag || tag != st->tag || pkt->trans_id != tag) {
		/* An answer to a request given up on, or invented. */
		st->stray++;
		return 0;
	}
	st->tag = 0;
	want = st->req_type == SYNBUS_IC_NEGOTIATE ?
	       sizeof(struct synbus_ic_negotiate) : st->kind->payload_len;
	/* An error answer carries no payload; a success carries all of it. */
	payload = (const uint8_t *)pkt->data + IC_HDR_LEN;
	if (le16toh(hdr.type) != st->req_type ||
	    (plen != want && plen) ||
	    (!plen && le32toh(hdr.status) == SYNBUS_IC_OK)) {
		ic_bad(c, st, "answer type or size", pkt->len);
		payload = NULL;
		if (st->sync) {
			st->resp_tag = tag;
			st->resp_len = -EBADMSG;
			return 0;
		}
		/* A malformed answer tells as much as none. */
		memset(&hdr, 0, sizeof(hdr));
		hdr.status = htole32(SYNBUS_IC_E_FAIL);
	} else if (!plen) {
		payload = NULL;
	}
	if (st->sync) {
		memcpy(st->resp, pkt->data, pkt->len);
		st->resp_len = pkt->len;
		st->resp_tag = tag;
		return 0;
	}
	ic_async_done(c, st, &hdr, payload);
	return 0;
}

static void ic_tick(struct hd_chan *c, uint64_t now)
{
	struct ic_chan *st = hd_chan_priv(c);

	/* A command times its own request out. */
	if (st->tag && !st->sync && now >= st->deadline_ms) {
		st->tag = 0;
		ic_async_done(c, st, NULL, NULL);
	}
	if (!ic_idle(st))
		return;
	if (!st->version) {
		if (st->neg_tries) {
			st->neg_tries--;
			ic_negotiate(c, st);
		}
		return;
	}
	if (st->kind == &ic_hb && hb_period(st) && now >= st->hb_next_ms)
		hb_beat(c, st, now);
	else if (st->kind == &ic_ts && now >= st->ts_next_ms)
		ts_sample(c, st, now);
}

#define IC_SERVICE(_var, _name, _guid, _open)			\
const struct hd_service _var = {				\
	.name = _name,						\
	.class_id = _guid,					\
	.priv_size = sizeof(struct ic_chan),			\
	.ring_size = IC_RING_SIZE,				\
	.open = _open,						\
	.close = ic_close,					\
	.packet = ic_packet,					\
	.tick = ic_tick,					\
}

IC_SERVICE(hd_svc_heartbeat, "heartbeat", SYNBUS_HEARTBEAT_GUID, hb_open);
IC_SERVICE(hd_svc_shutdown, "shutdown", SYNBUS_SHUTDOWN_GUID, sd_open);
IC_SERVICE(hd_svc_timesync, "timesync", SYNBUS_TIMESYNC_GUID, ts_open);
IC_SERVICE(hd_svc_backup, "backup", SYNBUS_VSS_GUID, vss_open);

/* ---- commands */

/* The open channel of @svc of the VM named @name, or NULL. */
static struct ic_chan *ic_lookup(const char *name,
				 const struct hd_service *svc,
				 struct hd_chan **cp)
{
	struct hd_vm *vm = hd_vm_find(name);
	struct hd_chan *c = vm ? hd_vm_chan(vm, svc) : NULL;

	if (!c || !hd_chan_open(c))
		return NULL;
	if (cp)
		*cp = c;
	return hd_chan_priv(c);
}

struct ic_wait {
	const char *name;
	const struct hd_service *svc;
	uint64_t tag;
};

/* Ready for a request: negotiated and nothing in flight (or gone). */
static bool ic_ready(void *arg)
{
	struct ic_wait *w = arg;
	struct ic_chan *st = ic_lookup(w->name, w->svc, NULL);

	return !st || (st->version && ic_idle(st)) ||
	       (!st->version && !st->tag && !st->neg_tries);
}

static bool ic_answered(void *arg)
{
	struct ic_wait *w = arg;
	struct ic_chan *st = ic_lookup(w->name, w->svc, NULL);

	return !st || st->tag != w->tag;
}

static const struct {
	const char *name;
	const char *text;
	int err;
} ic_statuses[] = {
	[SYNBUS_IC_OK] = { "ok", "", 0 },
	[SYNBUS_IC_E_FAIL] = { "fail", "the operation failed in the guest", EIO },
	[SYNBUS_IC_E_INVAL] = { "inval", "the guest refused the request as invalid", EINVAL },
	[SYNBUS_IC_E_VERSION] = { "version", "no common protocol version with the guest", EPROTO },
	[SYNBUS_IC_E_STATE] = { "state", "the guest is busy or not ready for this", EBUSY },
	[SYNBUS_IC_E_NODAEMON] = { "nodaemon", "no helper daemon in the guest", ENOTCONN },
	[SYNBUS_IC_E_TIMEOUT] = { "timeout", "the helper daemon in the guest did not answer", ETIMEDOUT },
};

/* "status NAME" (and "message TEXT" on an error); 0 or -errno. */
static int ic_status(FILE *out, uint32_t status)
{
	if (status >= sizeof(ic_statuses) / sizeof(ic_statuses[0])) {
		fprintf(out, "status %u\nmessage unknown status from the guest\n",
			status);
		return -EIO;
	}
	fprintf(out, "status %s\n", ic_statuses[status].name);
	if (status != SYNBUS_IC_OK)
		fprintf(out, "message %s\n", ic_statuses[status].text);
	return -ic_statuses[status].err;
}

/*
 * One request from a command: wait until the channel is free, send, wait
 * for the answer. @payload gets the answer's payload when it has one.
 * Returns the answer's status (>= 0) or -errno, with a message on @out.
 */
static int ic_transact(const char *name, const struct hd_service *svc,
		       const struct ic_kind *kind, void *payload,
		       unsigned int timeout_ms, FILE *out)
{
	struct ic_wait w = { .name = name, .svc = svc };
	struct synbus_ic_hdr hdr;
	struct ic_chan *st;
	struct hd_chan *c;
	int ret;

	if (!hd_vm_find(name))
		return -ENOENT;
	hd_wait(ic_ready, &w, IC_REPLY_MS);
	st = ic_lookup(name, svc, &c);
	if (!st || !st->version) {
		fprintf(out, "message no open %s channel with a negotiated version\n",
			kind->name);
		return -ENODEV;
	}
	if (!ic_idle(st)) {
		fprintf(out, "message another %s request is in flight\n",
			kind->name);
		return -EBUSY;
	}
	ret = ic_send(c, st, kind->type, payload, kind->payload_len, true,
		      timeout_ms, &w.tag);
	if (ret) {
		fprintf(out, "message cannot send the request\n");
		return ret;
	}
	hd_wait(ic_answered, &w, timeout_ms);
	st = ic_lookup(name, svc, NULL);
	if (st && st->tag == w.tag) {
		st->tag = 0;	/* a late answer is stray */
		fprintf(out, "message no answer from the guest\n");
		return -ETIME;
	}
	if (!st || st->resp_tag != w.tag) {
		fprintf(out, "message the channel closed\n");
		return -ENODEV;
	}
	st->resp_tag = 0;
	if (st->resp_len < 0) {
		fprintf(out, "message malformed answer from the guest\n");
		return st->resp_len;
	}
	memcpy(&hdr, st->resp, IC_HDR_LEN);
	if ((uint32_t)st->resp_len == IC_HDR_LEN + kind->payload_len)
		memcpy(payload, st->resp + IC_HDR_LEN, kind->payload_len);
	return le32toh(hdr.status);
}

/* "key=VALUE": VALUE, else NULL. */
static const char *ic_arg(const char *arg, const char *key)
{
	size_t n = strlen(key);

	return !strncmp(arg, key, n) && arg[n] == '=' ? arg + n + 1 : NULL;
}

static int ic_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || *end || *v > max ? -EINVAL : 0;
}

static int cmd_heartbeat(int argc, char **argv, FILE *out)
{
	struct hd_vm *vm;
	struct hd_chan *c;
	struct ic_chan *st;
	const char *state = "closed", *v;
	unsigned long ms;
	uint64_t now = hd_now_ms(), since, p;

	if (argc < 2 || argc > 3)
		return -EINVAL;
	vm = hd_vm_find(argv[1]);
	if (!vm)
		return -ENOENT;
	c = hd_vm_chan(vm, &hd_svc_heartbeat);
	st = c ? hd_chan_priv(c) : NULL;
	if (argc == 3) {
		v = ic_arg(argv[2], "period");
		if (!v || ic_uint(v, HB_PERIOD_MAX, &ms) ||
		    (ms && ms < HB_PERIOD_MIN))
			return -EINVAL;
		if (!st)
			return -ENODEV;
		st->period_set = true;
		st->period_ms = ms;
		st->hb_next_ms = now;
	}
	if (!st) {
		fprintf(out, "state closed\nseq 0\nbeats 0\nmisses 0\nlast_ms -1\n");
		return 0;
	}
	if (hd_chan_open(c)) {
		/* Alive within two periods, late within five; 1 s slack. */
		p = hb_period(st) ? hb_period(st) : HB_PERIOD_MS;
		since = now - (st->last_ms ? st->last_ms : st->opened_ms);
		if (st->last_ms && since <= 2 * p + 1000)
			state = "alive";
		else if (since <= 5 * p + 1000)
			state = "late";
		else
			state = "dead";
	}
	fprintf(out, "state %s\nseq %" PRIu64 "\nbeats %" PRIu64 "\n"
		"misses %" PRIu64 "\n", state, st->seq, st->beats, st->misses);
	if (st->last_ms)
		fprintf(out, "last_ms %" PRIu64 "\n", now - st->last_ms);
	else
		fprintf(out, "last_ms -1\n");
	fprintf(out, "period_ms %u\nversion %u.%u\nrejected %" PRIu64
		"\nstray %" PRIu64 "\n", hb_period(st), st->version >> 16,
		st->version & 0xffff, st->rejected, st->stray);
	return 0;
}

static int cmd_shutdown(int argc, char **argv, FILE *out)
{
	struct synbus_ic_shutdown msg = {};
	uint32_t action = SYNBUS_IC_POWEROFF, flags = 0;
	int i, ret;

	if (argc < 2)
		return -EINVAL;
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "reboot"))
			action = SYNBUS_IC_REBOOT;
		else if (!strcmp(argv[i], "poweroff"))
			action = SYNBUS_IC_POWEROFF;
		else if (!strcmp(argv[i], "force"))
			flags = SYNBUS_IC_SHUTDOWN_FORCE;
		else
			return -EINVAL;
	}
	msg.action = htole32(action);
	msg.flags = htole32(flags);
	ret = ic_transact(argv[1], &hd_svc_shutdown, &ic_sd, &msg,
			  IC_REPLY_MS, out);
	if (ret < 0)
		return ret;
	fprintf(out, "action %s\n", action == SYNBUS_IC_REBOOT ? "reboot" :
		"poweroff");
	return ic_status(out, ret);
}

static int cmd_timesync(int argc, char **argv, FILE *out)
{
	struct synbus_ic_timesync msg;
	struct ic_chan *st;
	int ret;

	if (argc != 2)
		return -EINVAL;
	ts_fill(&msg, SYNBUS_IC_TIME_SYNC);
	ret = ic_transact(argv[1], &hd_svc_timesync, &ic_ts, &msg,
			  IC_REPLY_MS, out);
	if (ret < 0)
		return ret;
	st = ic_lookup(argv[1], &hd_svc_timesync, NULL);
	if (st && ret == SYNBUS_IC_OK) {
		st->samples++;
		st->sample_ms = hd_now_ms();
		st->sync_next = false;
	}
	ret = ic_status(out, ret);
	if (st)
		fprintf(out, "samples %" PRIu64 "\n", st->samples);
	return ret;
}

/* freeze, thaw, info: the answer's "frozen" on success. */
static int vss_request(const char *name, uint32_t op, uint32_t timeout_s,
		       FILE *out)
{
	struct synbus_ic_vss msg = {
		.op = htole32(op),
		.timeout_s = htole32(timeout_s),
	};
	int ret;

	ret = ic_transact(name, &hd_svc_backup, &ic_vss, &msg, IC_VSS_WAIT_MS,
			  out);
	if (ret < 0)
		return ret;
	ret = ic_status(out, ret);
	if (!ret)
		fprintf(out, "frozen %d\n", le32toh(msg.frozen) == 1);
	return ret;
}

static int cmd_freeze(int argc, char **argv, FILE *out)
{
	unsigned long t = 0;
	const char *v;

	if (argc < 2 || argc > 3)
		return -EINVAL;
	if (argc == 3) {
		v = ic_arg(argv[2], "timeout");
		if (!v || ic_uint(v, VSS_TIMEOUT_MAX, &t))
			return -EINVAL;
	}
	return vss_request(argv[1], SYNBUS_IC_VSS_FREEZE, t, out);
}

static int cmd_thaw(int argc, char **argv, FILE *out)
{
	if (argc != 2)
		return -EINVAL;
	return vss_request(argv[1], SYNBUS_IC_VSS_THAW, 0, out);
}

static int cmd_backup(int argc, char **argv, FILE *out)
{
	if (argc != 2)
		return -EINVAL;
	return vss_request(argv[1], SYNBUS_IC_VSS_INFO, 0, out);
}

const struct hd_cmd hd_ic_cmds[] = {
	{ "heartbeat", "VM [period=MS]", cmd_heartbeat },
	{ "shutdown", "VM [reboot] [force]", cmd_shutdown },
	{ "timesync", "VM", cmd_timesync },
	{ "freeze", "VM [timeout=S]", cmd_freeze },
	{ "thaw", "VM", cmd_thaw },
	{ "backup", "VM", cmd_backup },
	{ NULL, NULL, NULL }
};
