/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synbus transport interface: what lies under the bus. A transport offers
 * and rescinds channels, answers open/close/buffer requests and rings the
 * doorbell both ways. The in-kernel loopback host is one transport; a
 * transport across a real VM boundary plugs in here without touching client
 * drivers. The ring primitives are in lib/synbus_ring.h.
 */
#ifndef _SYNBUS_TRANSPORT_H
#define _SYNBUS_TRANSPORT_H

#include <linux/list.h>
#include <linux/types.h>
#include "synbus.h"
#include "synbus_ring.h"

struct synbus_transport;

/**
 * struct synbus_transport_ops - what a transport does for the core
 * @open: the guest opens @ch; the rings are initialised. Answer later
 *	(any context) with synbus_chan_open_done().
 * @close: the guest closes @ch; answer with synbus_chan_close_done().
 * @signal: doorbell guest to host; any context, must not sleep.
 * @buffer_add: the guest shares @buf; answer with synbus_buffer_done().
 * @buffer_remove: the guest withdraws @buf; answer with synbus_buffer_done().
 * @release: the last reference to @ch is gone; free transport state.
 * @mem_alloc: optional: @bytes of zeroed memory the host side can reach,
 *	for @ch's rings (at open) and shared buffers; NULL when there is none.
 *	Process context. Without it the core uses vzalloc().
 * @mem_free: optional, with @mem_alloc: give back what @mem_alloc returned.
 *	Called once the host has let go of @mem: after the close or buffer
 *	teardown answer, after rescind, or at the channel's release (after
 *	@release, so the transport private pointer is gone by then; use
 *	synbus_chan_transport()). Must not sleep: it may run from the last
 *	synbus_chan_put().
 *
 * Ops are never called for a channel once it is rescinded and never after
 * synbus_transport_unregister() returns, except @release and @mem_free,
 * which run up to the channel's release: unregister waits for every
 * release, so memory behind @mem_free must stay until unregister returns.
 */
struct synbus_transport_ops {
	int (*open)(struct synbus_channel *ch);
	void (*close)(struct synbus_channel *ch);
	void (*signal)(struct synbus_channel *ch);
	int (*buffer_add)(struct synbus_channel *ch, struct synbus_buffer *buf);
	int (*buffer_remove)(struct synbus_channel *ch, struct synbus_buffer *buf);
	void (*release)(struct synbus_channel *ch);
	void *(*mem_alloc)(struct synbus_channel *ch, size_t bytes);
	void (*mem_free)(struct synbus_channel *ch, void *mem, size_t bytes);
};

/**
 * struct synbus_transport - a provider of channels
 * @name: short name, shown in sysfs
 * @ops: operations
 * @channels: channels offered (core private)
 * @node: on the list of transports (core private)
 * @dead: unregistering (core private)
 */
struct synbus_transport {
	const char *name;
	const struct synbus_transport_ops *ops;
	struct list_head channels;
	struct list_head node;
	bool dead;
};

/**
 * struct synbus_offer - what a transport offers
 * @class_id: class GUID
 * @device_id: instance GUID, unique on the bus
 * @ring_hint: suggested ring size per direction, or 0
 * @tp_priv: transport private pointer for the channel
 */
struct synbus_offer {
	guid_t class_id;
	guid_t device_id;
	u32 ring_hint;
	void *tp_priv;
};

int synbus_transport_register(struct synbus_transport *tp);
void synbus_transport_unregister(struct synbus_transport *tp);

/* Offer: the device appears asynchronously. Returns a reference. */
struct synbus_channel *synbus_offer(struct synbus_transport *tp,
				    const struct synbus_offer *offer);
/* Withdraw: waiters complete, the device goes away asynchronously. */
void synbus_rescind(struct synbus_channel *ch);
void synbus_chan_get(struct synbus_channel *ch);
void synbus_chan_put(struct synbus_channel *ch);
void *synbus_chan_tp_priv(struct synbus_channel *ch);
struct synbus_transport *synbus_chan_transport(struct synbus_channel *ch);
const guid_t *synbus_chan_device_id(struct synbus_channel *ch);
const guid_t *synbus_chan_class_id(struct synbus_channel *ch);

void synbus_chan_open_done(struct synbus_channel *ch, int status);
void synbus_chan_close_done(struct synbus_channel *ch);
/* Answer for buffer_add/buffer_remove of the buffer with @handle. */
void synbus_buffer_done(struct synbus_channel *ch, u32 handle, int status);
/* Doorbell host to guest; any context. */
void synbus_chan_interrupt(struct synbus_channel *ch);
/*
 * Host ends of the open rings: @rx reads what the guest sends, @tx writes
 * to the guest. Valid from the open op until the close answer / rescind.
 */
void synbus_chan_host_rings(struct synbus_channel *ch, struct synbus_rb *rx,
			    struct synbus_rb *tx);
/* Wait until offers and rescinds queued so far are processed. */
void synbus_flush(void);

#endif /* _SYNBUS_TRANSPORT_H */
