/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel side of the ring library's platform layer (lib/synbus_ring.h). */
#ifndef _SYNBUS_RING_PLATFORM_H
#define _SYNBUS_RING_PLATFORM_H

#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/barrier.h>

#endif /* _SYNBUS_RING_PLATFORM_H */
