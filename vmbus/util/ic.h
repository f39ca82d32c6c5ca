/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wire format of the synbus integration services (heartbeat, shutdown,
 * time sync, backup freeze/thaw). Shared by the guest drivers and their
 * host-side counterparts. Every field is little-endian; every message is
 * one in-band packet: a struct synbus_ic_hdr and a fixed-size payload.
 */
#ifndef _SYNBUS_UTIL_IC_H
#define _SYNBUS_UTIL_IC_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/uuid.h>
#else
/* tools/include: the same names for the userspace host daemon */
#include "synbus_ic_platform.h"
#endif

/* No IC message is larger; anything longer is hostile and is dropped. */
#define SYNBUS_IC_MAX_PKT	256

/* Version numbers are major << 16 | minor. */
#define SYNBUS_IC_VER(maj, min)	((u32)(maj) << 16 | (min))
#define SYNBUS_IC_MAX_VERSIONS	8

enum synbus_ic_type {
	SYNBUS_IC_NEGOTIATE	= 1,
	SYNBUS_IC_HEARTBEAT	= 2,
	SYNBUS_IC_SHUTDOWN	= 3,
	SYNBUS_IC_TIMESYNC	= 4,
	SYNBUS_IC_VSS		= 5,
};

#define SYNBUS_IC_F_REQUEST	0x0001
#define SYNBUS_IC_F_RESPONSE	0x0002

/* Response status codes; carried as unsigned on the wire. */
enum synbus_ic_status {
	SYNBUS_IC_OK		= 0,
	SYNBUS_IC_E_FAIL	= 1,	/* the operation failed in the guest */
	SYNBUS_IC_E_INVAL	= 2,	/* malformed or unknown request */
	SYNBUS_IC_E_VERSION	= 3,	/* no common version */
	SYNBUS_IC_E_STATE	= 4,	/* not negotiated, or busy */
	SYNBUS_IC_E_NODAEMON	= 5,	/* helper daemon not registered */
	SYNBUS_IC_E_TIMEOUT	= 6,	/* helper daemon did not answer */
};

/**
 * struct synbus_ic_hdr - header of every integration service message
 * @type: enum synbus_ic_type
 * @flags: SYNBUS_IC_F_REQUEST from the host, SYNBUS_IC_F_RESPONSE back
 * @len: payload bytes after the header; must equal the type's size
 * @status: enum synbus_ic_status in a response, 0 in a request
 * @version: negotiated version (0 in a negotiate request)
 * @tag: chosen by the host, echoed in the response
 */
struct synbus_ic_hdr {
	__le16 type;
	__le16 flags;
	__le32 len;
	__le32 status;
	__le32 version;
	__le64 tag;
};

/**
 * struct synbus_ic_negotiate - version negotiation (first message)
 * @count: number of valid @versions, 1..SYNBUS_IC_MAX_VERSIONS
 * @reserved: zero
 * @chosen: response: the version the guest picked
 * @versions: the host's versions, most preferred first
 */
struct synbus_ic_negotiate {
	__le16 count;
	__le16 reserved;
	__le32 chosen;
	__le32 versions[SYNBUS_IC_MAX_VERSIONS];
};

/**
 * struct synbus_ic_heartbeat - heartbeat request and response
 * @seq: host's sequence number; the guest answers with @seq + 1
 */
struct synbus_ic_heartbeat {
	__le64 seq;
};

enum synbus_ic_shutdown_action {
	SYNBUS_IC_POWEROFF	= 0,
	SYNBUS_IC_REBOOT	= 1,
};

#define SYNBUS_IC_SHUTDOWN_FORCE	0x1

/**
 * struct synbus_ic_shutdown - power off or reboot request
 * @action: enum synbus_ic_shutdown_action
 * @flags: SYNBUS_IC_SHUTDOWN_FORCE (Linux always forces)
 */
struct synbus_ic_shutdown {
	__le32 action;
	__le32 flags;
};

/* Hard request to step the clock (host restore, first sample). */
#define SYNBUS_IC_TIME_SYNC	0x1
/* Ordinary sample: a hint. */
#define SYNBUS_IC_TIME_SAMPLE	0x2

/**
 * struct synbus_ic_timesync - one host time sample
 * @host_ns: host UTC time in ns since the epoch when sampled
 * @ref_ns: the guest's CLOCK_BOOTTIME at sampling when the host can read
 *	it (as Hyper-V reads the partition reference counter); 0 if not
 * @flags: SYNBUS_IC_TIME_SYNC and/or SYNBUS_IC_TIME_SAMPLE
 * @reserved: zero
 */
struct synbus_ic_timesync {
	__le64 host_ns;
	__le64 ref_ns;
	__le32 flags;
	__le32 reserved;
};

enum synbus_ic_vss_op {
	SYNBUS_IC_VSS_FREEZE	= 1,
	SYNBUS_IC_VSS_THAW	= 2,
	SYNBUS_IC_VSS_INFO	= 3,
};

/**
 * struct synbus_ic_vss - backup freeze/thaw request
 * @op: enum synbus_ic_vss_op
 * @timeout_s: FREEZE: thaw anyway after this many seconds without a THAW
 *	(0: the guest's default; clamped to the guest's maximum)
 * @frozen: response: 1 when the guest's filesystems are frozen
 * @reserved: zero
 */
struct synbus_ic_vss {
	__le32 op;
	__le32 timeout_s;
	__le32 frozen;
	__le32 reserved;
};

/* Class GUIDs of the four services. */
#define SYNBUS_HEARTBEAT_GUID \
	GUID_INIT(0x5a2f7c41, 0x8e3b, 0x4d6a, \
		  0x9b, 0x1e, 0x3c, 0x70, 0x4f, 0x12, 0xa0, 0x01)
#define SYNBUS_SHUTDOWN_GUID \
	GUID_INIT(0x5a2f7c41, 0x8e3b, 0x4d6a, \
		  0x9b, 0x1e, 0x3c, 0x70, 0x4f, 0x12, 0xa0, 0x02)
#define SYNBUS_TIMESYNC_GUID \
	GUID_INIT(0x5a2f7c41, 0x8e3b, 0x4d6a, \
		  0x9b, 0x1e, 0x3c, 0x70, 0x4f, 0x12, 0xa0, 0x03)
#define SYNBUS_VSS_GUID \
	GUID_INIT(0x5a2f7c41, 0x8e3b, 0x4d6a, \
		  0x9b, 0x1e, 0x3c, 0x70, 0x4f, 0x12, 0xa0, 0x04)

/* The same GUIDs as strings, for MODULE_ALIAS and the documentation. */
#define SYNBUS_HEARTBEAT_GUID_STR	"5a2f7c41-8e3b-4d6a-9b1e-3c704f12a001"
#define SYNBUS_SHUTDOWN_GUID_STR	"5a2f7c41-8e3b-4d6a-9b1e-3c704f12a002"
#define SYNBUS_TIMESYNC_GUID_STR	"5a2f7c41-8e3b-4d6a-9b1e-3c704f12a003"
#define SYNBUS_VSS_GUID_STR		"5a2f7c41-8e3b-4d6a-9b1e-3c704f12a004"

#endif /* _SYNBUS_UTIL_IC_H */
