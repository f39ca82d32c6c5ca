/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synbus-hostd: the userspace host of the synbus across a VM boundary.
 * Each VM's QEMU connects to the VM's own socket with an ivshmem-doorbell
 * device; the daemon speaks the ivshmem server protocol to it, owns the
 * shared window (uapi/linux/synbus_ivshmem.h), offers the devices of the
 * services below, and serves them. Every guest is untrusted.
 *
 * Threads and locking: one event thread (epoll: QEMU sockets, doorbell
 * eventfds, a 100 ms tick) and one thread per control-socket client. All
 * daemon state is under hd_lock; the event thread holds it while it
 * handles an event, a control command runs with it held and may wait
 * with hd_wait() (which releases it while asleep). Every event the event
 * thread handles ends with a broadcast that wakes hd_wait().
 *
 * Files: main.c (options, event loop), ivserver.c (ivshmem server
 * protocol, the fd keeper), window.c (window, control protocol,
 * channels), ram.c (guest RAM file, hole punching), ctl.c (control
 * socket, core commands), svc_ic.c (heartbeat, shutdown, time sync,
 * backup), svc_balloon.c (dynamic memory, the policy across VMs).
 */
#ifndef SYNBUS_HOSTD_H
#define SYNBUS_HOSTD_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/synbus_ivshmem.h>
#include "synbus_ring.h"

struct hd_vm;
struct hd_chan;

/**
 * struct hd_service - the host side of a device class
 * @name: short name, used on the command line and in "list"
 * @class_id: class GUID, guid_t byte order (as the kernel's GUID_INIT)
 * @priv_size: bytes of per-channel private state (zeroed at offer)
 * @ring_size: ring size per direction suggested in the offer (0: none)
 * @open: the guest opened the channel; sends are possible from now on.
 *	Nonzero (a positive errno) refuses the open.
 * @close: the guest closed it, or it was rescinded, or the VM went away
 *	or said hello again; no sends after this
 * @packet: a packet from the guest, in private memory. Return 0 when
 *	consumed, -EAGAIN to keep it and be called again on the next event
 *	or tick (the ring to the guest was full).
 * @tick: about every 100 ms while the channel is open (optional)
 * @global_tick: about every 100 ms, once for the service (optional)
 * @on_demand: not offered at hello, only by the "offer" command (echo)
 */
struct hd_service {
	const char *name;
	uint8_t class_id[16];
	size_t priv_size;
	uint32_t ring_size;
	int (*open)(struct hd_chan *c);
	void (*close)(struct hd_chan *c);
	int (*packet)(struct hd_chan *c, const struct synbus_packet *pkt);
	void (*tick)(struct hd_chan *c, uint64_t now_ms);
	void (*global_tick)(uint64_t now_ms);
	bool on_demand;
};

/* The test echo service (svc_echo.c); list it in hd_services[]. */
extern const struct hd_service hd_echo_service;

/* The services, in the order they are offered to a new guest. */
extern const struct hd_service *const hd_services[];
extern const unsigned int hd_nr_services;
const struct hd_service *hd_service_find(const char *name);

/**
 * struct hd_cmd - a control-socket command
 * @name: first word of the command line
 * @usage: arguments, for "help"
 * @fn: runs with hd_lock held; writes its answer to @out. Return 0 or a
 *	negative errno (the client then sees "error: <strerror>" after
 *	what was written). argv[0] is @name.
 */
struct hd_cmd {
	const char *name;
	const char *usage;
	int (*fn)(int argc, char **argv, FILE *out);
};
/* NULL-name terminated tables: ctl.c's own, svc_ic.c's, svc_balloon.c's. */
extern const struct hd_cmd hd_core_cmds[];
extern const struct hd_cmd hd_ic_cmds[];
extern const struct hd_cmd hd_balloon_cmds[];

extern pthread_mutex_t hd_lock;

/*
 * The services (svc_ic.c, svc_balloon.c; the table in services.c), and
 * the host memory the balloon policy shares out across the VMs: bytes,
 * 0 for "the host's available memory" (the default).
 */
extern const struct hd_service hd_svc_heartbeat;
extern const struct hd_service hd_svc_shutdown;
extern const struct hd_service hd_svc_timesync;
extern const struct hd_service hd_svc_backup;
extern const struct hd_service hd_svc_balloon;
int hd_balloon_set_budget(uint64_t bytes);

/*
 * Sleep until @done(@arg) is true, or @timeout_ms passed; hd_lock held
 * on entry and on return. True when @done became true.
 *
 * The rule: no struct hd_vm or struct hd_chan pointer (nor one into a
 * channel's private state) across hd_wait(). The event thread frees
 * dropped VMs and channels while a command sleeps; @done and the caller
 * after the wait look them up again by name (hd_vm_find(), hd_vm_chan()).
 */
bool hd_wait(bool (*done)(void *arg), void *arg, unsigned int timeout_ms);
/* Wake hd_wait() sleepers (the event thread does it after each event). */
void hd_wake(void);
uint64_t hd_now_ms(void);		/* CLOCK_MONOTONIC */

/* VMs */
struct hd_vm *hd_vm_find(const char *name);
/* Iterate: for (vm = hd_vm_next(NULL); vm; vm = hd_vm_next(vm)) */
struct hd_vm *hd_vm_next(struct hd_vm *vm);
const char *hd_vm_name(const struct hd_vm *vm);
/* QEMU connected and the guest said hello. */
bool hd_vm_up(const struct hd_vm *vm);
/* Guest RAM bytes as configured (-m), 0 when unknown. */
uint64_t hd_vm_ram_bytes(const struct hd_vm *vm);
/*
 * Give guest pages [pfn, pfn + count) back to the host: punch a hole in
 * the guest's RAM file where they live (the machine type's layout maps
 * guest physical addresses to file offsets). Ranges outside guest RAM
 * are refused with -EINVAL. No-op (0) when the VM has no RAM file.
 */
int hd_vm_punch(struct hd_vm *vm, uint64_t pfn, uint64_t count);
/* Bytes the RAM file has allocated (st_blocks * 512); -errno. */
int64_t hd_vm_ram_allocated(struct hd_vm *vm);
/* The VM's channel of @svc, or NULL (none offered or rescinded). */
struct hd_chan *hd_vm_chan(struct hd_vm *vm, const struct hd_service *svc);

/* Channels */
void *hd_chan_priv(struct hd_chan *c);
struct hd_vm *hd_chan_vm(const struct hd_chan *c);
bool hd_chan_open(const struct hd_chan *c);
/*
 * Send one packet to the guest. 0, -EAGAIN (ring full: the service is
 * called again later), -ENOTCONN (not open), -EMSGSIZE, -EIO (the guest
 * broke the ring: the channel is reset).
 */
int hd_send(struct hd_chan *c, uint16_t type, uint16_t flags,
	    uint64_t trans_id, const void *data, uint32_t len);

/*
 * Log a line about @vm (may be NULL) to stderr, "synbus-hostd: vm1: ...";
 * hd_warn() is rate limited per VM (a hostile guest cannot flood the log).
 */
void hd_log(const struct hd_vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void hd_warn(struct hd_vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parse "512M", "1G", "4096K", "123" (bytes). -EINVAL on junk. */
int hd_parse_size(const char *s, uint64_t *bytes);

#endif /* SYNBUS_HOSTD_H */
