/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synbus loopback host: host-side services. A service is the host
 * counterpart of a client driver class. It registers with the loopback host
 * (synbus_loop.ko) by class GUID; every device of that class offered through
 * /dev/synbus-loop (or synbus_loop_offer()) gets a host channel bound to
 * the service. Callbacks of one channel run one at a time on the loopback
 * workqueue (process context); @command runs in the caller's ioctl context,
 * so a service locks its own state.
 *
 * Example (a service in its own module):
 *
 *	static int my_packet(struct synbus_host_chan *hc,
 *			     const struct synbus_packet *pkt)
 *	{
 *		return synbus_host_send(hc, SYNBUS_PKT_COMPLETION, 0,
 *					pkt->trans_id, pkt->data, pkt->len);
 *	}
 *
 *	static struct synbus_host_service my_svc = {
 *		.name = "my",
 *		.class_id = GUID_INIT(...),
 *		.owner = THIS_MODULE,
 *		.on_packet = my_packet,
 *	};
 *	module_init: synbus_loop_register_service(&my_svc);
 *	module_exit: synbus_loop_unregister_service(&my_svc);
 */
#ifndef _SYNBUS_HOST_H
#define _SYNBUS_HOST_H

#include <linux/list.h>
#include <linux/module.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include "synbus.h"

struct synbus_host_chan;

/**
 * struct synbus_host_service - host counterpart of a device class
 * @name: short name
 * @class_id: class GUID served
 * @owner: THIS_MODULE
 * @open: the guest opened the channel; sends are possible from now on.
 *	Non-zero fails the guest's synbus_open() with that error.
 * @close: the guest closed, or the device is being rescinded; no sends
 *	after this returns
 * @on_packet: a packet from the guest (private copy). Return 0 when
 *	consumed, -EAGAIN to keep it and be called again later (when the
 *	guest frees inbound ring space or after synbus_host_kick()).
 * @buffer_added: the guest shared a buffer (optional); non-zero refuses it
 * @buffer_removed: the guest withdrew a buffer (optional)
 * @command: a command from userspace (SYNBUS_LOOP_SERVICE_CMD); @out has
 *	room for *@out_len bytes, set *@out_len to the bytes written
 * @node: on the loopback host's service table (private)
 */
struct synbus_host_service {
	const char *name;
	guid_t class_id;
	struct module *owner;
	int (*open)(struct synbus_host_chan *hc);
	void (*close)(struct synbus_host_chan *hc);
	int (*on_packet)(struct synbus_host_chan *hc,
			 const struct synbus_packet *pkt);
	int (*buffer_added)(struct synbus_host_chan *hc, u32 handle,
			    void *vaddr, size_t size);
	void (*buffer_removed)(struct synbus_host_chan *hc, u32 handle);
	int (*command)(struct synbus_host_chan *hc, u32 cmd, const void *in,
		       u32 in_len, void *out, u32 *out_len);
	struct list_head node;
};

int synbus_loop_register_service(struct synbus_host_service *svc);
/* Rescinds every device bound to @svc first. */
void synbus_loop_unregister_service(struct synbus_host_service *svc);

/* Offer a device of @class_id; @device_id NULL picks a random one. */
int synbus_loop_offer(const guid_t *class_id, const guid_t *device_id,
		      u32 ring_hint, guid_t *out_id);
int synbus_loop_rescind(const guid_t *device_id);

/*
 * Send to the guest. -EAGAIN when the ring is full (the guest will signal
 * when space frees: on_packet is retried, waiters of
 * synbus_host_send_wait() wake); -ENOTCONN when not open; -EIO after a
 * ring error.
 */
int synbus_host_send(struct synbus_host_chan *hc, u16 type, u16 flags,
		     u64 trans_id, const void *data, u32 len);
/* As synbus_host_send() but sleeps up to @timeout jiffies for space. */
int synbus_host_send_wait(struct synbus_host_chan *hc, u16 type, u16 flags,
			  u64 trans_id, const void *data, u32 len,
			  long timeout);
/* Run on_packet again for packets left in the ring. */
void synbus_host_kick(struct synbus_host_chan *hc);
bool synbus_host_is_open(struct synbus_host_chan *hc);
const guid_t *synbus_host_device_id(struct synbus_host_chan *hc);
void synbus_host_set_drvdata(struct synbus_host_chan *hc, void *data);
void *synbus_host_get_drvdata(struct synbus_host_chan *hc);
/* A registered guest buffer by handle; NULL if unknown. */
void *synbus_host_buffer(struct synbus_host_chan *hc, u32 handle,
			 size_t *size);

#endif /* _SYNBUS_HOST_H */
