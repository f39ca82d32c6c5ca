/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synbus_util.ko internals: one driver, four services, each bound to a
 * device of its class GUID. The core (main.c) gets packets in process
 * context from the bus, validates the header, negotiates the version and
 * hands each request to the service, which answers in place.
 */
#ifndef _SYNBUS_UTIL_H
#define _SYNBUS_UTIL_H

#include <linux/mutex.h>
#include <linux/sysfs.h>

#include "ic.h"

struct synbus_device;
struct synbus_util_dev;

/* A service's handler returns a synbus_ic_status or this. */
#define SYNBUS_UTIL_DEFER	(-1)

/**
 * struct synbus_util_service - one integration service
 * @name: short name for messages
 * @type: the request type it serves (enum synbus_ic_type)
 * @versions: versions it speaks, most preferred first
 * @nr_versions: entries in @versions
 * @payload_len: exact payload size of its requests
 * @init: per-device setup before the channel opens (may be NULL)
 * @deinit: undo @init after the channel closed (may be NULL)
 * @handle: serve one validated request; the payload is answered in place
 * @group: sysfs attributes on the device (may be NULL)
 */
struct synbus_util_service {
	const char *name;
	u16 type;
	const u32 *versions;
	unsigned int nr_versions;
	u32 payload_len;
	int (*init)(struct synbus_util_dev *ud);
	void (*deinit)(struct synbus_util_dev *ud);
	int (*handle)(struct synbus_util_dev *ud, void *payload);
	const struct attribute_group *group;
};

/**
 * struct synbus_util_dev - a bound service device
 * @sdev: the bus device
 * @svc: its service
 * @lock: serializes request handling and deferred responses
 * @version: negotiated version, 0 until negotiated
 * @deferred: a response is outstanding; reading pauses until it is sent
 * @closing: the channel is going away; no more sends
 * @buf: the current request, turned into its response in place
 * @len: bytes in @buf
 * @req_id: transaction id of the current request
 * @req_completion: the host asked for a completion packet
 * @requests: requests served
 * @bad: messages rejected as malformed
 * @priv: the service's state
 */
struct synbus_util_dev {
	struct synbus_device *sdev;
	const struct synbus_util_service *svc;
	struct mutex lock;	/* serializes handling and responses */
	u32 version;
	bool deferred;
	bool closing;
	u8 buf[SYNBUS_IC_MAX_PKT] __aligned(8);
	u32 len;
	u64 req_id;
	bool req_completion;
	u64 requests;
	u64 bad;
	void *priv;
};

void synbus_util_respond(struct synbus_util_dev *ud, u32 status);
struct device *synbus_util_to_dev(struct synbus_util_dev *ud);
struct synbus_util_dev *synbus_util_from_dev(struct device *dev);

extern const struct synbus_util_service synbus_util_heartbeat;
extern const struct synbus_util_service synbus_util_shutdown;
extern const struct synbus_util_service synbus_util_timesync;
extern const struct synbus_util_service synbus_util_vss;

int synbus_vss_module_init(void);
void synbus_vss_module_exit(void);

#endif /* _SYNBUS_UTIL_H */
