/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synbus: the synthetic device bus. Client (guest-side) driver API.
 *
 * A host side offers devices named by an instance GUID and typed by a
 * class GUID. Each device has one channel: a pair of ring buffers (guest to
 * host "outbound", host to guest "inbound") laid out as VMBus lays them
 * out. Drivers bind by class GUID, open the channel, exchange packets and
 * may share buffers with the host side. The host side is untrusted: every
 * inbound packet is validated and copied to private memory before a driver
 * sees it.
 *
 * Contexts: probe/remove, synbus_open/close, synbus_buffer_* and
 * synbus_request_wait sleep. synbus_sendpacket() without SYNBUS_SEND_WAIT
 * may be called from any context. The inbound callbacks run in process
 * context on a per-channel work item, one at a time per channel.
 */
#ifndef _SYNBUS_H
#define _SYNBUS_H

#include <linux/completion.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mod_devicetable.h>
#include <linux/types.h>
#include <linux/uuid.h>

struct synbus_channel;

#include "synbus_ring.h"

/**
 * enum synbus_chan_state - lifecycle of a channel
 * @SYNBUS_CHAN_OFFERED: offered by the host, not open
 * @SYNBUS_CHAN_OPENING: open requested, waiting for the host
 * @SYNBUS_CHAN_OPEN: rings live
 * @SYNBUS_CHAN_CLOSING: close requested, waiting for the host
 * @SYNBUS_CHAN_RESCINDED: withdrawn by the host; terminal
 */
enum synbus_chan_state {
	SYNBUS_CHAN_OFFERED,
	SYNBUS_CHAN_OPENING,
	SYNBUS_CHAN_OPEN,
	SYNBUS_CHAN_CLOSING,
	SYNBUS_CHAN_RESCINDED,
};

/**
 * struct synbus_device - a device on the synbus
 * @dev: driver model device, named by the instance GUID
 * @class_id: class GUID (what kind of device; used for matching)
 * @device_id: instance GUID
 * @channel: the device's channel
 * @ring_hint: ring size (bytes per direction) suggested by the offer, or 0
 * @driver_override: driver name forced through sysfs, or NULL
 */
struct synbus_device {
	struct device dev;
	guid_t class_id;
	guid_t device_id;
	struct synbus_channel *channel;
	u32 ring_hint;
	const char *driver_override;
};

#define to_synbus_device(d) container_of(d, struct synbus_device, dev)

/**
 * struct synbus_device_id - id table entry: a class GUID
 * @guid: class GUID
 * @driver_data: driver private
 */
struct synbus_device_id {
	guid_t guid;
	kernel_ulong_t driver_data;
};

/**
 * struct synbus_driver - a client driver
 * @name: driver name
 * @id_table: class GUIDs served, terminated by a zero GUID entry
 * @probe: bind; usually opens the channel
 * @remove: unbind; must close the channel
 * @shutdown: optional, on reboot/power off
 * @on_packet: inbound in-band packet. Return 0 when consumed or -EAGAIN to
 *	leave it in the ring (stop draining; call synbus_chan_kick() later).
 *	Completions of synbus_send_request() never reach it.
 * @on_event: alternative to @on_packet: called when the inbound ring has
 *	data; the driver then uses synbus_peekpacket()/synbus_consume().
 * @on_reset: optional; the channel was reset after a protocol error
 *	(the rings are empty again, in-flight requests failed with -EIO).
 * @driver: driver model driver
 * @dynids: ids added through new_id (core private)
 * @dynids_lock: protects @dynids (core private)
 */
struct synbus_driver {
	const char *name;
	const struct synbus_device_id *id_table;
	int (*probe)(struct synbus_device *sdev, const struct synbus_device_id *id);
	void (*remove)(struct synbus_device *sdev);
	void (*shutdown)(struct synbus_device *sdev);
	int (*on_packet)(struct synbus_channel *ch, const struct synbus_packet *pkt);
	void (*on_event)(struct synbus_channel *ch);
	void (*on_reset)(struct synbus_channel *ch);
	struct device_driver driver;
	struct list_head dynids;
	spinlock_t dynids_lock;	/* protects dynids */
};

#define to_synbus_driver(d) container_of(d, struct synbus_driver, driver)

int __synbus_driver_register(struct synbus_driver *drv, struct module *owner,
			     const char *mod_name);
#define synbus_driver_register(drv) \
	__synbus_driver_register(drv, THIS_MODULE, KBUILD_MODNAME)
void synbus_driver_unregister(struct synbus_driver *drv);

#define module_synbus_driver(__drv) \
	module_driver(__drv, synbus_driver_register, synbus_driver_unregister)

/*
 * MODULE_ALIAS for a class GUID string, e.g.
 * SYNBUS_MODULE_ALIAS("5c2f1e0a-...."): the bus is out of tree, so
 * modpost does not generate aliases from id tables.
 */
#define SYNBUS_MODULE_ALIAS(guid_str) MODULE_ALIAS("synbus:" guid_str)

/* Channel: open/close. Ring sizes are data bytes, multiples of PAGE_SIZE. */
int synbus_open(struct synbus_channel *ch, u32 out_ring_size, u32 in_ring_size);
void synbus_close(struct synbus_channel *ch);
enum synbus_chan_state synbus_chan_state(struct synbus_channel *ch);
bool synbus_chan_rescinded(struct synbus_channel *ch);
struct synbus_device *synbus_chan_device(struct synbus_channel *ch);
void synbus_set_chan_drvdata(struct synbus_channel *ch, void *data);
void *synbus_get_chan_drvdata(struct synbus_channel *ch);
/* Largest payload one packet can carry on the outbound ring. */
u32 synbus_max_payload(struct synbus_channel *ch);

/* Send flags. */
#define SYNBUS_SEND_WAIT	0x1	/* sleep while the ring is full */

/* In-band packet; @trans_id is echoed by the peer, opaque to the bus. */
int synbus_sendpacket(struct synbus_channel *ch, const void *data, u32 len,
		      u64 trans_id, unsigned int send_flags);
/* Completion packet answering an inbound request's @trans_id. */
int synbus_send_completion(struct synbus_channel *ch, u64 trans_id,
			   const void *data, u32 len, unsigned int send_flags);

/**
 * struct synbus_request - an in-band packet with completion requested
 * @done: completed when the completion packet arrives or the request fails
 * @resp: caller's buffer for the completion payload (may be NULL)
 * @resp_size: size of @resp
 * @resp_len: payload bytes received (clamped to @resp_size)
 * @status: 0, or -ENODEV (rescinded), -ESHUTDOWN (closed), -EIO (reset)
 * @trans_id: id from the channel's id table (core private)
 */
struct synbus_request {
	struct completion done;
	void *resp;
	u32 resp_size;
	u32 resp_len;
	int status;
	u64 trans_id;
};

/* Send @data as a request; the peer's completion fills @req. */
int synbus_send_request(struct synbus_channel *ch, const void *data, u32 len,
			struct synbus_request *req, unsigned int send_flags);
/*
 * Wait for @req; 0 or its status, -ETIMEDOUT (the id is withdrawn, a late
 * completion is dropped), -ERESTARTSYS on a signal (id withdrawn too).
 * @timeout in jiffies, MAX_SCHEDULE_TIMEOUT for none.
 */
int synbus_request_wait(struct synbus_channel *ch, struct synbus_request *req,
			long timeout);

/* Pull model, only from within on_event: */
int synbus_peekpacket(struct synbus_channel *ch, struct synbus_packet *pkt);
void synbus_consume(struct synbus_channel *ch);
/* Re-run the inbound callback (e.g. after on_packet returned -EAGAIN). */
void synbus_chan_kick(struct synbus_channel *ch);

/**
 * struct synbus_buffer - a buffer shared with the host side (a GPADL)
 * @vaddr: kernel address of the buffer (zeroed at allocation)
 * @size: bytes, a multiple of PAGE_SIZE
 * @handle: id the host side knows it by; put it in packets
 * @ch: owning channel (core private)
 * @node: on the channel's list (core private)
 * @done: the host's answer (core private)
 * @status: status of the answer (core private)
 * @awaiting: an answer is expected (core private)
 * @orphan: freed by the driver, kept until the host lets go (core private)
 */
struct synbus_buffer {
	void *vaddr;
	size_t size;
	u32 handle;
	struct synbus_channel *ch;
	struct list_head node;
	struct completion done;
	int status;
	bool awaiting;
	bool orphan;
};

/*
 * Allocate @size bytes and register them with the host side; sleeps until
 * the host acknowledges. -EDQUOT past the bus-wide quota, -ENODEV when the
 * channel is rescinded meanwhile, -ENOTCONN when it is not open.
 */
struct synbus_buffer *synbus_buffer_alloc(struct synbus_channel *ch, size_t size);
/* Tear down (host acknowledges unless rescinded) and free. */
void synbus_buffer_free(struct synbus_buffer *buf);

#endif /* _SYNBUS_H */
