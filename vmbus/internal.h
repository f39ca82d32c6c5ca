/* SPDX-License-Identifier: GPL-2.0 */
/* synbus core internals shared by bus.c, channel.c and buffer.c. */
#ifndef _SYNBUS_INTERNAL_H
#define _SYNBUS_INTERNAL_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include "synbus_transport.h"

/**
 * struct synbus_channel - one channel (core private)
 * @kref: references: the transport's, the device's, queued removal
 * @tp: transport that offered it
 * @tp_priv: transport private
 * @tp_node: on @tp->channels under synbus_list_lock
 * @sdev: the device
 * @drv: bound driver, set around probe/remove
 * @class_id: class GUID
 * @device_id: instance GUID
 * @lock: protects @state, @rescinded, @broken, the awaiting flags and
 *	outbound writes
 * @state: lifecycle state (RESCINDED is shown from @rescinded)
 * @rescinded: withdrawn by the host
 * @broken: protocol error seen, reset pending
 * @awaiting_open: an open answer is expected
 * @awaiting_close: a close answer is expected
 * @registered: device_add() succeeded
 * @mutex: serialises open, close, reset and buffer registration
 * @ring_mem: both rings (out first); freed at close or at release
 * @ring_bytes: size of @ring_mem
 * @out: outbound ring, writer end
 * @in: inbound ring, reader end
 * @rx_buf: private copy of the inbound packet being handled
 * @out_full: the last write found the ring full
 * @out_wait: writers waiting for space
 * @in_work: inbound processing
 * @in_budget: packets (completions included) the running @in_work may
 *	still take before it queues itself again; @in_work only
 * @reset_work: channel reset after a protocol error
 * @add_work: device registration
 * @remove_work: device removal after rescind
 * @cpu: CPU the inbound work runs on
 * @open_done: open answered (or rescind)
 * @open_status: the answer
 * @close_done: close answered (or rescind)
 * @requests: transaction id -> struct synbus_request
 * @next_id: cyclic id allocation cursor
 * @buf_lock: protects @buffers
 * @buffers: registered buffers (and those waiting for an answer)
 * @next_handle: last buffer handle handed out
 * @drvdata: driver private
 * @interrupts: doorbells from the host
 * @events: doorbells to the host
 * @intr_in_full: signals to the host freeing space it waited for
 * @intr_out_empty: signals to the host for an empty -> non-empty ring
 * @out_full_first: writes that first found the outbound ring full
 * @out_full_total: writes that found the outbound ring full
 * @resets: channel resets after protocol errors
 * @bad_completions: completions with an unknown transaction id
 */
struct synbus_channel {
	struct kref kref;
	struct synbus_transport *tp;
	void *tp_priv;
	struct list_head tp_node;
	struct synbus_device *sdev;
	struct synbus_driver *drv;
	guid_t class_id;
	guid_t device_id;

	spinlock_t lock;	/* see kernel-doc */
	enum synbus_chan_state state;
	bool rescinded;
	bool broken;
	bool awaiting_open;
	bool awaiting_close;
	bool registered;
	struct mutex mutex;	/* see kernel-doc */

	void *ring_mem;
	size_t ring_bytes;
	struct synbus_rb out;
	struct synbus_rb in;
	void *rx_buf;
	bool out_full;
	wait_queue_head_t out_wait;
	struct work_struct in_work;
	unsigned int in_budget;
	struct work_struct reset_work;
	struct work_struct add_work;
	struct work_struct remove_work;
	int cpu;

	struct completion open_done;
	int open_status;
	struct completion close_done;

	struct xarray requests;
	u32 next_id;

	spinlock_t buf_lock;	/* protects buffers */
	struct list_head buffers;
	u32 next_handle;

	void *drvdata;

	atomic64_t interrupts;
	atomic64_t events;
	atomic64_t intr_in_full;
	atomic64_t intr_out_empty;
	atomic64_t out_full_first;
	atomic64_t out_full_total;
	atomic64_t resets;
	atomic64_t bad_completions;
};

extern struct bus_type synbus_bus;
extern struct workqueue_struct *synbus_wq;
extern struct workqueue_struct *synbus_io_wq;
extern unsigned int synbus_ack_timeout_ms;
extern const struct attribute_group synbus_chan_group;

extern struct srcu_struct synbus_srcu;

/*
 * Run @call (a transport op on @ch) unless @ch is rescinded, inside the
 * SRCU section synbus_transport_unregister() waits for. True if it ran.
 */
#define synbus_tp_call(ch, call) ({					\
	int __idx = srcu_read_lock(&synbus_srcu);			\
	bool __ok = !READ_ONCE((ch)->rescinded);			\
									\
	if (__ok)							\
		call;							\
	srcu_read_unlock(&synbus_srcu, __idx);				\
	__ok;								\
})
/* Memory the host reaches: the transport's when it has some, else vmalloc. */
void *synbus_mem_alloc(struct synbus_channel *ch, size_t bytes);
void synbus_mem_free(struct synbus_channel *ch, void *mem, size_t bytes);
void synbus_buffers_rescind(struct synbus_channel *ch);
void synbus_buffers_release(struct synbus_channel *ch);
const char *synbus_state_name(struct synbus_channel *ch);
int synbus_channel_init(void);
void synbus_channel_exit(void);

#endif /* _SYNBUS_INTERNAL_H */
