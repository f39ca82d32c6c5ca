/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synbus over QEMU's ivshmem-doorbell: state shared by ivshmem.c (PCI
 * device, handshake, heap) and ivshmem_ctl.c (control messages and the
 * transport ops). The wire protocol is uapi/linux/synbus_ivshmem.h.
 */
#ifndef _SYNBUS_IVSHMEM_PRIV_H
#define _SYNBUS_IVSHMEM_PRIV_H

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/synbus_ivshmem.h>
#include "synbus_transport.h"

/*
 * The pending bitmaps are arrays of little-endian 64-bit words that we
 * set with set_bit() and take with xchg() on unsigned long: that is the
 * same layout only on 64-bit little-endian machines (the protocol is
 * x86-64 on both ends).
 */
#if !defined(CONFIG_64BIT) || defined(__BIG_ENDIAN)
#error "synbus_ivshmem needs a 64-bit little-endian machine"
#endif

/**
 * enum ivs_state - where the transport is with the host
 * @IVS_WAITING: no valid header yet, or hello sent and not acknowledged
 * @IVS_UP: the host acknowledged our guest_gen; control rings in use
 * @IVS_BROKEN: the host broke the protocol; window unused until host_gen
 *	changes or, after a backoff, we say hello again with a new guest_gen
 * @IVS_REMOVING: the device is going away
 */
enum ivs_state {
	IVS_WAITING,
	IVS_UP,
	IVS_BROKEN,
	IVS_REMOVING,
};

/**
 * struct ivs_geom - the host's header fields, read once and checked
 * @size: window bytes the host uses (at most the BAR)
 * @host_peer: ivshmem peer id we ring
 * @host_gen: host incarnation
 * @ctl_off: window offset of the guest-to-host control ring
 * @ctl_size: data bytes of each control ring
 * @heap_off: window offset of the heap
 * @heap_size: heap bytes
 * @max_chan: channel ids are below this
 */
struct ivs_geom {
	u64 size;
	u32 host_peer;
	u32 host_gen;
	u32 ctl_off;
	u32 ctl_size;
	u32 heap_off;
	u32 heap_size;
	u32 max_chan;
};

/**
 * struct ivs_chan - one channel the host offered (the core's tp_priv)
 * @iv: device
 * @ch: core channel; touched only under @iv->chan_lock once our
 *	reference is dropped (at rescind)
 * @id: channel id on the wire
 * @session: @iv->session it was offered in
 * @rescinded: withdrawn (by the host or by us); under @iv->chan_lock
 * @open_sent: the host may hold the rings (OPEN sent, no CLOSE_DONE or
 *	refusal yet); under @iv->tx_lock
 * @outstanding: OPEN and CLOSE messages sent or queued and not answered
 *	yet; under @iv->tx_lock. Answers carry only the channel id and come
 *	in order: only the one that brings this to 0 answers the latest
 *	request.
 * @node: on a private list while being rescinded
 */
struct ivs_chan {
	struct ivs_dev *iv;
	struct synbus_channel *ch;
	u32 id;
	u32 session;
	bool rescinded;
	bool open_sent;
	u32 outstanding;
	struct list_head node;
};

/**
 * struct ivs_dev - one ivshmem-doorbell device
 * @pdev: PCI device
 * @tp: our synbus transport
 * @regs: BAR0 registers
 * @win: BAR2, the shared window (normal memory)
 * @win_len: bytes of @win we use
 * @hdr: page 0 of @win
 * @irq: Linux irq of MSI-X vector 0
 * @mutex: serialises the state machine (the control work, remove)
 * @state: enum ivs_state; written under @mutex, read anywhere
 * @geom: the header as validated at the last hello (under @mutex)
 * @guest_gen: our guest_gen of the last hello, 0 before
 * @hello_sent: guest_gen written, waiting for host_ack (under @mutex)
 * @broken_gen: host_gen when the host broke the protocol
 * @up_since: jiffies when the last session came up
 * @retry_wait: backoff before the hello after the last violation, jiffies
 * @retry_at: jiffies when that hello is due
 * @hdr_warned: the current bad header was reported already
 * @violation: first protocol violation seen since the control work last
 *	looked, or NULL
 * @tick_due: the 1 s timer ran since the control work last looked
 * @ctl_work: handshake and host-to-guest control ring
 * @tick: 1 s timer: header re-check, retries, re-ring of the hello
 * @h2g: reader end of the host-to-guest control ring (control work only)
 * @rxbuf: private copy of the control packet being handled
 * @tx_lock: protects @g2h, @txq, @tx_up, @session, @doorbell,
 *	@release_pend and every ivs_chan.open_sent and .outstanding
 * @g2h: writer end of the guest-to-host control ring
 * @txq: messages waiting for room in @g2h (struct ivs_txmsg)
 * @tx_up: the control rings may be written
 * @session: bumped at every acknowledged hello
 * @doorbell: value for the Doorbell register: host_peer << 16 | vector 0
 * @release_pend: channels whose RELEASED is still to be sent
 * @chan_lock: protects @chans, @nchan and every ivs_chan.rescinded, and
 *	keeps a rescinded channel's core struct alive while it is used
 * @chans: channel id -> channel of this session
 * @nchan: entries in @chans not rescinded
 * @heap_lock: protects @used, @quar, @heap_lo, @heap_hi, @heap_up
 * @used: window pages allocated (quarantined ones included)
 * @quar: window pages freed while the host may still touch them
 * @npages: pages of @win_len (bits in @used and @quar)
 * @heap_lo: first heap page of the current session
 * @heap_hi: page after the heap
 * @heap_up: frees go back to the heap at once (else to @quar)
 * @doorbells_in: interrupts
 * @doorbells_out: doorbell writes
 * @bad_messages: control packets and messages rejected, control ring
 *	index errors
 */
struct ivs_dev {
	struct pci_dev *pdev;
	struct synbus_transport tp;
	void __iomem *regs;
	void *win;
	u64 win_len;
	struct synbus_iv_header *hdr;
	int irq;

	struct mutex mutex;	/* see kernel-doc */
	enum ivs_state state;
	struct ivs_geom geom;
	u32 guest_gen;
	bool hello_sent;
	u32 broken_gen;
	unsigned long up_since;
	unsigned long retry_wait;
	unsigned long retry_at;
	bool hdr_warned;
	const char *violation;
	bool tick_due;
	struct work_struct ctl_work;
	struct delayed_work tick;
	struct synbus_rb h2g;
	u8 rxbuf[128] __aligned(8);

	spinlock_t tx_lock;	/* see kernel-doc */
	struct synbus_rb g2h;
	struct list_head txq;
	bool tx_up;
	u32 session;
	u32 doorbell;
	DECLARE_BITMAP(release_pend, SYNBUS_IV_MAX_CHAN);

	spinlock_t chan_lock;	/* see kernel-doc */
	struct ivs_chan *chans[SYNBUS_IV_MAX_CHAN];
	unsigned int nchan;

	spinlock_t heap_lock;	/* see kernel-doc */
	unsigned long *used;
	unsigned long *quar;
	unsigned long npages;
	unsigned long heap_lo;
	unsigned long heap_hi;
	bool heap_up;

	atomic64_t doorbells_in;
	atomic64_t doorbells_out;
	atomic64_t bad_messages;
};

static inline struct ivs_dev *ivs_from_ch(struct synbus_channel *ch)
{
	return container_of(synbus_chan_transport(ch), struct ivs_dev, tp);
}

/* ivshmem.c */
void *ivs_mem_alloc(struct synbus_channel *ch, size_t bytes);
void ivs_mem_free(struct synbus_channel *ch, void *mem, size_t bytes);
bool ivs_win_off(struct ivs_dev *iv, const void *mem, size_t bytes, u64 *off);
void ivs_heap_down(struct ivs_dev *iv);

/* ivshmem_ctl.c */
void ivs_ring(struct ivs_dev *iv);
void ivs_violation(struct ivs_dev *iv, const char *why);
void ivs_ctl_up(struct ivs_dev *iv);
void ivs_ctl_down(struct ivs_dev *iv, enum ivs_state state);
void ivs_ctl_drain(struct ivs_dev *iv);
void ivs_ctl_flush(struct ivs_dev *iv);
void ivs_interrupt_chans(struct ivs_dev *iv);
extern const struct synbus_transport_ops ivs_ops;

#endif /* _SYNBUS_IVSHMEM_PRIV_H */
