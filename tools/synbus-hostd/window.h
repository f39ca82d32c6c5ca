/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synbus-hostd internals shared by main.c, ivserver.c, window.c, ram.c,
 * ctl.c and keeper.c (hostd.h is the API the services see). The pure
 * checks at the top are what tests/fuzz_hostd.c calls.
 */
#ifndef SYNBUS_HOSTD_WINDOW_H
#define SYNBUS_HOSTD_WINDOW_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "hostd.h"

/* A window's geometry, private to the host: never re-read from the window. */
struct hd_geom {
	uint64_t size;
	uint32_t ctl_off;
	uint32_t ctl_size;
	uint32_t heap_off;
	uint32_t heap_size;
	uint32_t max_chan;
};

#define HD_WIN_MIN	(64U << 10)
#define HD_WIN_MAX	(1U << 30)
#define HD_WIN_DEFAULT	(4U << 20)
#define HD_MAX_BUFS	64

/* Geometry of a window of @size bytes (a power of two); -EINVAL. */
int hd_geom_init(struct hd_geom *g, uint64_t size);
/*
 * Check one guest-to-host control message against @g: 0 or a positive
 * errno. Only what the message says by itself (type, chan, offsets and
 * sizes); channel state is the caller's.
 */
int hd_msg_check(const struct synbus_iv_msg *m, const struct hd_geom *g);

/* Guest RAM below 4 GiB for @mem bytes of RAM on machine type @pc (else q35). */
uint64_t hd_ram_lowmem(bool pc, uint64_t mem);
struct hd_frange {
	uint64_t off;
	uint64_t len;
};
/*
 * Guest pages [pfn, pfn + count) as at most two RAM file ranges: number
 * of ranges, or -EINVAL when any page is outside guest RAM.
 */
int hd_ram_map(uint64_t lowmem, uint64_t mem, uint64_t pfn, uint64_t count,
	       struct hd_frange r[2]);

/* ------------------------------------------------------------------ */

enum hd_chan_state {
	HD_CHAN_OFFERED,
	HD_CHAN_OPEN,
	HD_CHAN_CLOSED,
	HD_CHAN_RESCINDED,	/* waiting for RELEASED */
};

struct hd_buf {
	uint32_t handle;
	bool used;
	uint64_t off;
	uint32_t size;
};

struct hd_chan {
	struct hd_chan *grave;		/* freed at the next hd_reap() */
	struct hd_vm *vm;
	const struct hd_service *svc;
	uint32_t id;
	enum hd_chan_state state;
	bool broken;			/* the guest broke a ring: reset it */
	bool out_waiting;		/* pending_send_sz set on our ring */
	struct synbus_rb in;		/* guest to host: we read */
	struct synbus_rb out;		/* host to guest: we write */
	uint8_t device_id[16];
	struct hd_buf bufs[HD_MAX_BUFS];
	uint64_t packets_in, packets_out, retries;
	void *priv;
};

#define HD_OUTQ		64

enum hd_src_kind {
	HD_SRC_LISTEN = 1,
	HD_SRC_CONN,
	HD_SRC_DOORBELL,
	HD_SRC_CTL,		/* control socket (no vm) */
	HD_SRC_KEEPER,		/* our keeper connection (no vm) */
	HD_SRC_WAKE,		/* eventfd: a command asked the loop for work */
	HD_SRC_SIGNAL,
};

/* VM names: the keeper's record names are "listen:NAME" and the like. */
#define HD_NAME_MAX	48

struct hd_vm {
	struct hd_vm *next;
	struct hd_vm *grave;
	uint64_t serial;		/* epoll key: never reused */
	char name[64];
	/* configuration */
	char *sock_path;
	char *ram_path;
	uint64_t mem;
	bool pc;
	uint64_t win_size;
	/* fds, -1 when none; all long-lived ones are also in the keeper */
	int listen_fd;
	int conn_fd;
	int host_efd;			/* guest doorbells: we read */
	int guest_efd;			/* we write: guest interrupt */
	int win_fd;
	int ram_fd;			/* the RAM file, open after a punch */
	uint64_t ram_fsize;		/* its size when opened */
	/* window */
	struct hd_geom geom;
	uint8_t *win;
	struct synbus_iv_header *hdr;
	uint32_t host_gen;
	uint32_t served_gen;		/* guest_gen we reset for (or saw stale) */
	bool up;			/* hello served: control rings live */
	bool fault;			/* reset at the end of this event */
	bool busy;			/* work left over: come back soon */
	struct synbus_rb ctl_in, ctl_out;
	struct synbus_iv_msg outq[HD_OUTQ];
	unsigned int outq_len;
	struct hd_chan *chans[SYNBUS_IV_MAX_CHAN];
	/* counters */
	uint64_t doorbells_in, doorbells_out, bad_messages, resets, hellos;
	uint64_t connects, refused, hellos_limited;
	/* hello rate limit */
	uint64_t hello_stamp;
	unsigned int hello_count;
	uint32_t hello_held;		/* the generation that waits */
	/* hd_warn() rate limit */
	uint64_t warn_stamp;
	unsigned int warn_budget, warn_dropped;
};

/* main.c */
extern const char *hd_dir;
extern int hd_epoll_fd;
/* 1: stop with the keeper, 2: without; set from any thread (atomic). */
extern int hd_stop_all;
struct hd_vm *hd_vm_by_serial(uint64_t serial);
struct hd_kept;
/* @kept: what the keeper gave back at a restart (claimed fds become -1). */
int hd_vm_add(const char *name, char **kv, int nkv, struct hd_kept *kept,
	      int nkept, FILE *err);
void hd_vm_grave_free(void);
void hd_keeper_refill(void);
extern int hd_ctl_fd;
int hd_vm_remove(struct hd_vm *vm);
void hd_epoll_add(int fd, enum hd_src_kind kind, uint64_t serial);
void hd_epoll_del(int fd);
void hd_kick(void);
char *hd_vm_config(const struct hd_vm *vm);
const char *hd_chan_state_name(enum hd_chan_state s);

/* window.c */
int hd_window_open(struct hd_vm *vm, int fd);
void hd_window_init(struct hd_vm *vm);
void hd_window_adopt(struct hd_vm *vm);
void hd_window_unmap(struct hd_vm *vm);
void hd_vm_process(struct hd_vm *vm);
void hd_vm_tick(struct hd_vm *vm, uint64_t now);
void hd_vm_forget(struct hd_vm *vm);
void hd_vm_fault(struct hd_vm *vm, const char *why);
void hd_reap(void);
int hd_chan_offer(struct hd_vm *vm, const struct hd_service *svc);
int hd_chan_rescind(struct hd_chan *c);
unsigned int hd_vm_nr_chans(const struct hd_vm *vm);
uint32_t hd_new_gen(uint32_t old);

/* ram.c: close the RAM file (QEMU went, or a new one came) */
void hd_vm_ram_close(struct hd_vm *vm);

/* ivserver.c */
int hd_listen_unix(const char *path, int type, mode_t mode);
void hd_qemu_accept(struct hd_vm *vm);
void hd_qemu_input(struct hd_vm *vm);
void hd_qemu_down(struct hd_vm *vm, const char *why);
void hd_doorbell(struct hd_vm *vm);
void hd_ring_guest(struct hd_vm *vm);
/* The fd keeper: keeper.c runs it, these talk to it. */
/* One message on a unix socket, with @fd (SCM_RIGHTS) when >= 0. */
int hd_send_fd(int sock, const void *buf, size_t len, int fd);
int hd_keeper_connect(bool spawn);
void hd_keeper_put(const char *name, int fd, const char *data);
void hd_keeper_del(const char *name);
void hd_keeper_stop(void);
void hd_keeper_event(uint32_t events);
struct hd_kept {
	char name[64];
	char data[1024];
	int fd;
};
int hd_keeper_get(struct hd_kept **ents);

/* keeper.c */
#define HD_KEEP_PUT	1
#define HD_KEEP_DEL	2
#define HD_KEEP_GET	3
#define HD_KEEP_STOP	4
#define HD_KEEP_ENT	5
#define HD_KEEP_END	6
struct hd_keep_msg {
	uint32_t op;
	uint32_t has_fd;
	char name[64];
	char data[1024];
};
void hd_keeper_run(int lfd) __attribute__((noreturn));

/* ctl.c */
void hd_ctl_accept(int lfd);

#endif /* SYNBUS_HOSTD_WINDOW_H */
