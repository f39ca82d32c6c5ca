/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * synbus userspace ABI: the loopback host control device /dev/synbus-loop
 * and the test echo device /dev/synbus-echo-<device-id>.
 *
 * Every struct starts with @size (bytes the caller filled, i.e. the
 * caller's sizeof) so it can grow: the kernel accepts smaller (older)
 * structs and larger ones whose extra bytes are zero. Reserved fields must
 * be zero. GUIDs are 16 bytes in the little-endian (Microsoft) order, i.e.
 * what the kernel's %pUl prints.
 */
#ifndef _UAPI_LINUX_SYNBUS_H
#define _UAPI_LINUX_SYNBUS_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SYNBUS_IOC_MAGIC	0xB9

/* Offer flags. */
#define SYNBUS_OFFER_F_RESCIND	0x1	/* rescind right after the offer */

/**
 * struct synbus_loop_offer - offer a device
 * @size: sizeof(struct synbus_loop_offer)
 * @flags: SYNBUS_OFFER_F_*
 * @class_id: class GUID
 * @device_id: instance GUID; all zero picks a random one, returned here
 * @ring_hint: ring bytes per direction suggested to the driver, 0 = default
 * @reserved: zero
 */
struct synbus_loop_offer {
	__u32 size;
	__u32 flags;
	__u8 class_id[16];
	__u8 device_id[16];
	__u32 ring_hint;
	__u32 reserved[7];
};

/**
 * struct synbus_loop_rescind - withdraw a device
 * @size: sizeof(struct synbus_loop_rescind)
 * @flags: 0
 * @device_id: instance GUID
 * @reserved: zero
 */
struct synbus_loop_rescind {
	__u32 size;
	__u32 flags;
	__u8 device_id[16];
	__u32 reserved[4];
};

/* Fault types. */
#define SYNBUS_FAULT_NONE		0	/* clear faults and stalls */
#define SYNBUS_FAULT_CORRUPT_INDEX	1	/* bad write index to the guest */
#define SYNBUS_FAULT_OVERSIZE		2	/* packet longer than the data */
#define SYNBUS_FAULT_GARBAGE		3	/* descriptor with bad offset */
#define SYNBUS_FAULT_STALL		4	/* host stops reading and acking */
#define SYNBUS_FAULT_RESCIND_AT		5	/* rescind when @step is reached */

/* Steps for SYNBUS_FAULT_RESCIND_AT. */
#define SYNBUS_STEP_OFFER	1	/* right after the offer, racing probe */
#define SYNBUS_STEP_OPEN	2	/* guest asked to open, before the ack */
#define SYNBUS_STEP_BUFFER	3	/* guest shared a buffer, before the ack */
#define SYNBUS_STEP_IO		4	/* after @count packets from the guest */
#define SYNBUS_STEP_CLOSE	5	/* guest asked to close, before the ack */

/**
 * struct synbus_loop_fault - inject a fault into one device's host side
 * @size: sizeof(struct synbus_loop_fault)
 * @flags: 0
 * @device_id: instance GUID
 * @type: SYNBUS_FAULT_*
 * @step: SYNBUS_STEP_* for SYNBUS_FAULT_RESCIND_AT
 * @count: packets for SYNBUS_STEP_IO
 * @stall_ms: SYNBUS_FAULT_STALL: stall this long, 0 = until cleared
 * @reserved: zero
 *
 * CORRUPT_INDEX, OVERSIZE and GARBAGE act at once (the channel must be
 * open); the others arm the host side.
 */
struct synbus_loop_fault {
	__u32 size;
	__u32 flags;
	__u8 device_id[16];
	__u32 type;
	__u32 step;
	__u32 count;
	__u32 stall_ms;
	__u32 reserved[4];
};

#define SYNBUS_CMD_DATA_MAX	256

/**
 * struct synbus_loop_cmd - a command for the host service of a device
 * @size: sizeof(struct synbus_loop_cmd)
 * @flags: 0
 * @device_id: instance GUID
 * @cmd: service-defined command number
 * @in_len: bytes of @data going in
 * @out_len: bytes of @data coming back (set by the kernel)
 * @reserved: zero
 * @data: in/out payload
 */
struct synbus_loop_cmd {
	__u32 size;
	__u32 flags;
	__u8 device_id[16];
	__u32 cmd;
	__u32 in_len;
	__u32 out_len;
	__u32 reserved;
	__u8 data[SYNBUS_CMD_DATA_MAX];
};

#define SYNBUS_LOOP_OFFER	_IOWR(SYNBUS_IOC_MAGIC, 0x01, struct synbus_loop_offer)
#define SYNBUS_LOOP_RESCIND	_IOW(SYNBUS_IOC_MAGIC, 0x02, struct synbus_loop_rescind)
#define SYNBUS_LOOP_FAULT	_IOW(SYNBUS_IOC_MAGIC, 0x03, struct synbus_loop_fault)
#define SYNBUS_LOOP_SERVICE_CMD	_IOWR(SYNBUS_IOC_MAGIC, 0x04, struct synbus_loop_cmd)

/* The test echo class (synbus_echo.ko and its loopback host service). */
#define SYNBUS_ECHO_CLASS_STR	"a3c5e0d2-7b1f-4f49-9e0b-5d1c2f8a6e01"
/* Same host service, a class no driver lists: for new_id/driver_override. */
#define SYNBUS_ECHO2_CLASS_STR	"a3c5e0d2-7b1f-4f49-9e0b-5d1c2f8a6e02"

/**
 * struct synbus_echo_xfer - one request/completion round trip
 * @size: sizeof(struct synbus_echo_xfer)
 * @flags: 0
 * @len: bytes at @buf sent; on return bytes echoed into @buf
 * @timeout_ms: 0 = no timeout
 * @buf: user address of the buffer
 * @reserved: zero
 */
struct synbus_echo_xfer {
	__u32 size;
	__u32 flags;
	__u32 len;
	__u32 timeout_ms;
	__u64 buf;
	__u32 reserved[4];
};

/**
 * struct synbus_echo_buftest - share a buffer, let the host fill it, check
 * @size: sizeof(struct synbus_echo_buftest)
 * @flags: 0
 * @bytes: buffer size (rounded up to pages)
 * @seed: pattern seed
 * @reserved: zero
 */
struct synbus_echo_buftest {
	__u32 size;
	__u32 flags;
	__u32 bytes;
	__u32 seed;
	__u32 reserved[4];
};

#define SYNBUS_ECHO_XFER	_IOWR(SYNBUS_IOC_MAGIC, 0x40, struct synbus_echo_xfer)
#define SYNBUS_ECHO_BUFTEST	_IOW(SYNBUS_IOC_MAGIC, 0x41, struct synbus_echo_buftest)

#endif /* _UAPI_LINUX_SYNBUS_H */
