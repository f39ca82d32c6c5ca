/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dynmem: dynamic memory over synbus. The wire protocol between the guest
 * balloon driver (dynmem.ko) and a host side (the loopback host's
 * dynmem_host.ko now, a userspace host daemon later), on the one channel
 * of a device of class DYNMEM_CLASS_GUID.
 *
 * Every message starts with struct dynmem_hdr; all fields little-endian
 * (__le types),
 * naturally aligned, explicit padding. A receiver rejects a message whose
 * size is below its type's minimum or whose counts do not fit the size.
 * Sizes may grow: a receiver ignores bytes past what it knows.
 *
 * Flow (G: the guest, H: the host):
 *  G to H  VERSION        a request; its completion is struct dynmem_version
 *  H to G  LIMITS         min/max/buffer the host applies (informative)
 *  H to G  INFLATE        take @pages pages away from the guest
 *  G to H  INFLATE_RESP   page ranges now in the balloon; many per request,
 *			   pipelined; the last has DYNMEM_F_LAST
 *  H to G  DEFLATE        give @pages pages back to the guest
 *  G to H  DEFLATE_RESP   ranges returned, DYNMEM_F_LAST on the last
 *  G to H  RELEASED       ranges the guest took back on its own (OOM,
 *			   shrinker), unasked
 *  G to H  STATUS         pressure report, once a second by default and at
 *			   once when reclaim starts
 */
#ifndef _UAPI_LINUX_DYNMEM_H
#define _UAPI_LINUX_DYNMEM_H

#include <linux/types.h>

/* Class GUID of dynamic-memory devices. */
#define DYNMEM_CLASS_GUID_STR	"b6a1f3c2-5d7e-4a90-8c3b-2e6f4d19a7e5"

#define DYNMEM_VERSION_1	0x00010000U
#define DYNMEM_VERSION		DYNMEM_VERSION_1

/* Capabilities (struct dynmem_version.caps) */
#define DYNMEM_CAP_2M		0x1U	/* 2 MiB ranges */
#define DYNMEM_CAP_RELEASE	0x2U	/* RELEASED messages */
#define DYNMEM_CAP_PSI		0x4U	/* PSI figures in STATUS */
#define DYNMEM_CAP_RECLAIM	0x8U	/* stalls/scanned in STATUS */

enum dynmem_msg_type {
	DYNMEM_MSG_VERSION	= 1,
	DYNMEM_MSG_LIMITS	= 2,
	DYNMEM_MSG_INFLATE	= 3,
	DYNMEM_MSG_INFLATE_RESP	= 4,
	DYNMEM_MSG_DEFLATE	= 5,
	DYNMEM_MSG_DEFLATE_RESP	= 6,
	DYNMEM_MSG_RELEASED	= 7,
	DYNMEM_MSG_STATUS	= 8,
};

/* struct dynmem_hdr.flags */
#define DYNMEM_F_LAST		0x1U	/* last response of a request */
#define DYNMEM_F_PARTIAL	0x2U	/* the guest could not do it all */

/**
 * struct dynmem_hdr - start of every message
 * @type: enum dynmem_msg_type
 * @flags: DYNMEM_F_*
 * @size: bytes of the whole message, this header included
 */
struct dynmem_hdr {
	__le16 type;
	__le16 flags;
	__le32 size;
};

/**
 * struct dynmem_version - VERSION request and its completion
 * @hdr: DYNMEM_MSG_VERSION
 * @version: request: the highest the guest speaks; completion: chosen
 * @caps: request: the guest's DYNMEM_CAP_*; completion: the subset used
 * @status: completion: 0 accepted, else a negative errno
 * @__pad: zero
 */
struct dynmem_version {
	struct dynmem_hdr hdr;
	__le32 version;
	__le32 caps;
	__le32 status;
	__le32 __pad;
};

/**
 * struct dynmem_limits - LIMITS, host to guest
 * @hdr: DYNMEM_MSG_LIMITS
 * @min_pages: the guest is never shrunk below this (4 KiB pages)
 * @max_pages: the guest never gets more than this
 * @buffer_pct: percent of committed memory the host keeps free for it
 * @weight: its share when memory is scarce (1..10000)
 */
struct dynmem_limits {
	struct dynmem_hdr hdr;
	__le64 min_pages;
	__le64 max_pages;
	__le32 buffer_pct;
	__le32 weight;
};

/**
 * struct dynmem_request - INFLATE or DEFLATE, host to guest
 * @hdr: DYNMEM_MSG_INFLATE or DYNMEM_MSG_DEFLATE
 * @req_id: echoed in every response
 * @pages: 4 KiB pages to take or give back
 */
struct dynmem_request {
	struct dynmem_hdr hdr;
	__le64 req_id;
	__le64 pages;
};

/**
 * struct dynmem_range - pages [pfn, pfn + count)
 * @pfn: first guest page frame
 * @count: pages (512 for a 2 MiB range)
 */
struct dynmem_range {
	__le64 pfn;
	__le64 count;
};

/**
 * struct dynmem_ranges - INFLATE_RESP, DEFLATE_RESP, RELEASED
 * @hdr: type and DYNMEM_F_LAST / DYNMEM_F_PARTIAL
 * @req_id: the request answered (0 for RELEASED)
 * @nr_ranges: entries in @ranges
 * @__pad: zero
 * @ranges: the ranges
 */
struct dynmem_ranges {
	struct dynmem_hdr hdr;
	__le64 req_id;
	__le32 nr_ranges;
	__le32 __pad;
	struct dynmem_range ranges[];
};

/**
 * struct dynmem_status - STATUS, guest to host (all sizes in 4 KiB pages)
 * @hdr: DYNMEM_MSG_STATUS
 * @seq: increases by one per report
 * @total_pages: memory the guest sees (MemTotal, the balloon taken off)
 * @committed_pages: committed address space (Committed_AS)
 * @available_pages: MemAvailable
 * @cache_pages: page cache
 * @swap_total_pages: swap space
 * @swap_free_pages: free swap
 * @balloon_pages: pages in the balloon now
 * @psi_some_avg10: PSI memory "some" avg10, in hundredths of a percent,
 *	when the sender can read PSI (0 otherwise: dynmem.ko cannot, PSI has
 *	no in-kernel reader for modules)
 * @psi_full_avg10: PSI memory "full" avg10, likewise
 * @stalls: direct-reclaim entries (allocation stalls) since the last report
 * @scanned: pages scanned by direct reclaim since the last report
 */
struct dynmem_status {
	struct dynmem_hdr hdr;
	__le64 seq;
	__le64 total_pages;
	__le64 committed_pages;
	__le64 available_pages;
	__le64 cache_pages;
	__le64 swap_total_pages;
	__le64 swap_free_pages;
	__le64 balloon_pages;
	__le32 psi_some_avg10;
	__le32 psi_full_avg10;
	__le64 stalls;
	__le64 scanned;
};

#endif /* _UAPI_LINUX_DYNMEM_H */
