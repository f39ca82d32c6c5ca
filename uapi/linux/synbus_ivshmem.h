/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * synbus over QEMU's ivshmem-doorbell device: the layout of the shared
 * window (BAR2) and the control messages. Shared by the guest transport
 * (vmbus/ivshmem.c, synbus_ivshmem.ko) and the host daemon
 * (tools/synbus-hostd). Documentation/synbus-ivshmem.rst has the protocol.
 *
 * The host sees only this window, never guest RAM: the control rings,
 * every channel's rings and every shared buffer live in it, and messages
 * carry window offsets. Each side checks every offset, length and index
 * it reads from the window; the window is shared memory, so a value is
 * read once into private memory and checked there.
 *
 * Every field is little-endian. Both ends are x86-64 (the bitmaps are
 * arrays of 64-bit words, bit n of word n / 64).
 *
 *  offset 0          struct synbus_iv_header (one 4 KiB page)
 *  ctl_off           guest-to-host control ring: 4 KiB ring header, then
 *                    ctl_size data bytes (the synbus ring layout,
 *                    vmbus/lib/synbus_ring.h)
 *  ctl_off + 4096 + ctl_size    host-to-guest control ring, same layout
 *  heap_off          heap_size bytes the guest allocates channel rings
 *                    and buffers from, in 4 KiB pages
 *
 * Doorbells: the guest writes (host_peer << 16 | 0) to the ivshmem
 * Doorbell register; the host writes the guest's vector 0 eventfd. A side
 * sets the channel's bit in the pending bitmap it writes before it rings:
 * the other side then looks at those channels only (and at the control
 * ring always). The rings' own rules (signal on empty to non-empty only,
 * interrupt_mask, pending_send_sz) decide when a side rings at all.
 *
 * Handshake:
 *  1. The host creates the window: header, both control rings reset,
 *     host_gen nonzero.
 *  2. The guest (driver probe, after a reboot, or when it sees host_gen
 *     change) writes a new nonzero guest_gen, then rings.
 *  3. The host sees guest_gen differ from the one it served: it forgets
 *     every channel of that guest, resets both control rings, writes
 *     host_ack = guest_gen, rings, and sends an OFFER per device.
 *  4. The guest waits until host_ack == its guest_gen before it touches
 *     the control rings.
 * A host that restarts bumps host_gen and rings: the guest rescinds all
 * its channels and starts again at 2. After a protocol violation by the
 * host the guest rescinds all its channels and leaves the window alone
 * until host_gen changes or a backoff (5 s, doubling up to 60 s while
 * sessions keep breaking early) ends; then it starts again at 2, and the
 * host, seeing a new guest_gen, resets as in 3.
 */
#ifndef _UAPI_LINUX_SYNBUS_IVSHMEM_H
#define _UAPI_LINUX_SYNBUS_IVSHMEM_H

#include <linux/types.h>

#define SYNBUS_IV_MAGIC		0x56494253U	/* "SBIV" */
#define SYNBUS_IV_VERSION	1U

/* ivshmem-doorbell's BAR0 registers. */
#define SYNBUS_IV_REG_INTRMASK		0x00
#define SYNBUS_IV_REG_INTRSTATUS	0x04
#define SYNBUS_IV_REG_IVPOSITION	0x08
#define SYNBUS_IV_REG_DOORBELL		0x0c

#define SYNBUS_IV_PAGE		4096U
/* Channel ids are below max_chan, which is at most this. */
#define SYNBUS_IV_MAX_CHAN	1024U
/* The control rings: each 4 KiB header plus ctl_size data bytes. */
#define SYNBUS_IV_CTL_SIZE	16384U
/* A channel ring direction (data bytes) or a buffer: at most this. */
#define SYNBUS_IV_RING_MAX	(1024U * 1024)
#define SYNBUS_IV_BUF_MAX	(16U << 20)

/**
 * struct synbus_iv_header - page 0 of the window
 * @magic: SYNBUS_IV_MAGIC (host)
 * @version: SYNBUS_IV_VERSION (host)
 * @size: window bytes (host)
 * @host_peer: the ivshmem peer id the guest rings (host)
 * @host_gen: host incarnation, nonzero, new at every host (re)start (host)
 * @host_ack: the guest_gen the host has reset its state for (host)
 * @guest_gen: guest incarnation, nonzero, new at every hello (guest)
 * @ctl_off: window offset of the guest-to-host control ring (host)
 * @ctl_size: data bytes of each control ring (host)
 * @heap_off: window offset of the guest's heap, page aligned (host)
 * @heap_size: bytes of the heap, a multiple of 4 KiB (host)
 * @max_chan: channel ids are below this, at most SYNBUS_IV_MAX_CHAN (host)
 * @flags: zero
 * @reserved: zero
 * @g2h_pending: channels with news for the host (guest sets, host clears)
 * @h2g_pending: channels with news for the guest (host sets, guest clears)
 */
struct synbus_iv_header {
	__le32 magic;
	__le32 version;
	__le64 size;
	__le32 host_peer;
	__le32 host_gen;
	__le32 host_ack;
	__le32 guest_gen;
	__le32 ctl_off;
	__le32 ctl_size;
	__le32 heap_off;
	__le32 heap_size;
	__le32 max_chan;
	__le32 flags;
	__le32 reserved[18];
	__le64 g2h_pending[SYNBUS_IV_MAX_CHAN / 64];
	__le64 h2g_pending[SYNBUS_IV_MAX_CHAN / 64];
};

/* struct synbus_iv_msg.type */
enum synbus_iv_msg_type {
	SYNBUS_IV_OFFER		= 1,	/* H to G: a device */
	SYNBUS_IV_RESCIND	= 2,	/* H to G: the device is gone */
	SYNBUS_IV_RELEASED	= 3,	/* G to H: the guest let go of @chan */
	SYNBUS_IV_OPEN		= 4,	/* G to H: rings at @off */
	SYNBUS_IV_OPEN_DONE	= 5,	/* H to G: @status */
	SYNBUS_IV_CLOSE		= 6,	/* G to H */
	SYNBUS_IV_CLOSE_DONE	= 7,	/* H to G */
	SYNBUS_IV_BUF_ADD	= 8,	/* G to H: buffer @handle at @off */
	SYNBUS_IV_BUF_DEL	= 9,	/* G to H: withdraw buffer @handle */
	SYNBUS_IV_BUF_DONE	= 10,	/* H to G: answer to BUF_ADD/BUF_DEL */
};

/**
 * struct synbus_iv_msg - every control message: one in-band packet of
 *	exactly this size in a control ring
 * @type: enum synbus_iv_msg_type
 * @chan: channel id, below max_chan
 * @status: answers: 0 or a positive errno
 * @handle: BUF_*: the buffer's handle
 * @off: OPEN: window offset of the rings (guest-to-host ring header and
 *	data, then host-to-guest ring header and data); BUF_ADD: of the
 *	buffer. Page aligned, inside the heap.
 * @size1: OPEN: guest-to-host ring data bytes; BUF_ADD: buffer bytes;
 *	OFFER: suggested ring size or 0. Multiples of 4 KiB.
 * @size2: OPEN: host-to-guest ring data bytes
 * @flags: zero
 * @reserved: zero
 * @class_id: OFFER: class GUID (as the kernel's guid_t bytes)
 * @device_id: OFFER: instance GUID
 */
struct synbus_iv_msg {
	__le32 type;
	__le32 chan;
	__le32 status;
	__le32 handle;
	__le64 off;
	__le32 size1;
	__le32 size2;
	__le32 flags;
	__le32 reserved;
	__u8 class_id[16];
	__u8 device_id[16];
};

#endif /* _UAPI_LINUX_SYNBUS_IVSHMEM_H */
