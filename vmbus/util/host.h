/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synbus_util_host.ko internals: the host-side counterparts of the
 * integration services, registered with the loopback host and driven
 * through /sys/kernel/synbus_util_host/<service>/.
 */
#ifndef _SYNBUS_UTIL_HOST_H
#define _SYNBUS_UTIL_HOST_H

#include <linux/completion.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "../synbus_host.h"
#include "ic.h"

/**
 * struct uh_svc - one host-side service
 * @hs: registration with the loopback host
 * @kobj: /sys/kernel/synbus_util_host/<name>
 * @type: its request type (enum synbus_ic_type)
 * @version: the version it offers
 * @payload_len: payload size of its requests
 * @attrs: its own sysfs attributes (besides the common ones)
 * @on_open: runs after negotiation succeeded (may be NULL)
 * @tick_fn: the periodic sender (may be NULL)
 * @lock: protects @hc, @closing, @wait_tag, @resp*, @have_device,
 *	@device_id and the counters
 * @xfer: one transaction at a time
 * @hc: the open channel, or NULL
 * @closing: @hc is being closed: start no transaction
 * @have_device: we offered @device_id and did not rescind it
 * @device_id: instance GUID of the device we offered
 * @negotiated: version the guest picked, 0 before
 * @next_tag: tag of the next request
 * @wait_tag: tag awaited, 0 when none
 * @resp_done: the awaited response arrived, or the channel closed
 * @resp: the awaited response
 * @resp_len: its length; negative errno when the channel closed
 * @negotiate_work: negotiates after open
 * @negotiate_tries: attempts left while the channel is not yet writable
 * @tick: periodic sender (heartbeat, time samples)
 * @period_ms: @tick period, 0 off
 * @bad: responses rejected as malformed
 * @stray: responses matching no request (e.g. to injected messages)
 * @stray_status: status of the last stray response
 */
struct uh_svc {
	struct synbus_host_service hs;
	struct kobject *kobj;
	u16 type;
	u32 version;
	u32 payload_len;
	const struct attribute_group *attrs;
	void (*on_open)(struct uh_svc *s);
	work_func_t tick_fn;
	spinlock_t lock;		/* see @lock above */
	struct mutex xfer;		/* one transaction at a time */
	struct synbus_host_chan *hc;
	bool closing;
	bool have_device;
	guid_t device_id;
	u32 negotiated;
	u64 next_tag;
	u64 wait_tag;
	struct completion resp_done;
	u8 resp[SYNBUS_IC_MAX_PKT] __aligned(8);
	int resp_len;
	struct delayed_work negotiate_work;
	unsigned int negotiate_tries;
	struct delayed_work tick;
	unsigned int period_ms;
	u64 bad;
	u64 stray;
	u32 stray_status;
};

int uh_transact(struct uh_svc *s, u16 type, void *payload, u32 len,
		long timeout);
int uh_status_errno(u32 status);
int uh_open(struct uh_svc *s, struct synbus_host_chan *hc);
struct uh_svc *uh_from_kobj(struct kobject *kobj);
void uh_rearm(struct uh_svc *s);
void uh_time_init(void);

extern struct uh_svc uh_heartbeat;
extern struct uh_svc uh_shutdown;
extern struct uh_svc uh_timesync;
extern struct uh_svc uh_vss;

#endif /* _SYNBUS_UTIL_HOST_H */
