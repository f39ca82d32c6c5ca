/* SPDX-License-Identifier: GPL-2.0 */
/* synbus loopback host internals (loop.c, loop_ctl.c). */
#ifndef _SYNBUS_LOOP_H
#define _SYNBUS_LOOP_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include "synbus_host.h"
#include <linux/synbus.h>
#include "synbus_transport.h"

/**
 * struct synbus_host_chan - host end of one offered device
 * @node: on the loopback host's device list
 * @ch: the channel (a reference)
 * @svc: service bound by class GUID
 * @id: instance GUID
 * @mutex: serialises service callbacks, faults and rescind
 * @work: processes requests and packets from the guest
 * @reap_work: drops the host's reference after rescind
 * @unstall_work: ends a timed stall
 * @ev_lock: protects @events
 * @events: open/close/buffer requests from the guest, in order
 * @data: the guest rang the doorbell
 * @tx_lock: serialises sends to the guest
 * @open: the host side is attached (under @tx_lock and @mutex)
 * @rescinded: withdrawn
 * @stalled: fault: do nothing until unstalled
 * @rescind_step: fault: SYNBUS_STEP_* to rescind at, 0 = none
 * @rescind_count: fault: packets before SYNBUS_STEP_IO fires
 * @rx: reader end of the guest's outbound ring
 * @tx: writer end of the guest's inbound ring
 * @rx_buf: private copy of the packet being handled
 * @tx_wait: senders waiting for ring space
 * @buffers: buffers the guest shared
 * @drvdata: service private
 * @packets: packets received from the guest
 * @rx_task: the task draining the guest's ring (its sends signal late)
 * @signal_pending: a send during the drain owes the guest a signal
 */
struct synbus_host_chan {
	struct list_head node;
	struct synbus_channel *ch;
	struct synbus_host_service *svc;
	guid_t id;
	struct mutex mutex;	/* see kernel-doc */
	struct work_struct work;
	struct work_struct reap_work;
	struct delayed_work unstall_work;
	spinlock_t ev_lock;	/* protects events */
	struct list_head events;
	bool data;
	spinlock_t tx_lock;	/* serialises sends */
	bool open;
	bool rescinded;
	bool stalled;
	u32 rescind_step;
	u32 rescind_count;
	struct synbus_rb rx;
	struct synbus_rb tx;
	void *rx_buf;
	wait_queue_head_t tx_wait;
	struct list_head buffers;
	void *drvdata;
	u64 packets;
	struct task_struct *rx_task;
	bool signal_pending;
};

int synbus_loop_offer_ex(const guid_t *class_id, const guid_t *device_id,
			 u32 ring_hint, guid_t *out_id, bool rescind);
struct synbus_host_chan *synbus_loop_find(const guid_t *id);
void synbus_loop_put(struct synbus_host_chan *hc);
int synbus_loop_fault(struct synbus_host_chan *hc, u32 type, u32 step,
		      u32 count, u32 stall_ms);
int synbus_loop_command(struct synbus_host_chan *hc, u32 cmd, const void *in,
			u32 in_len, void *out, u32 *out_len);
int synbus_loop_ctl_init(void);
void synbus_loop_ctl_exit(void);
int synbus_loop_echo_init(void);
void synbus_loop_echo_exit(void);

#endif /* _SYNBUS_LOOP_H */
