/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace side of the ring library's platform layer: the kernel names
 * lib/ring.c uses, on top of libc and the compiler's atomics. The peer is
 * another CPU (a guest vCPU), so the barriers are real fences.
 */
#ifndef _SYNBUS_RING_PLATFORM_H
#define _SYNBUS_RING_PLATFORM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#ifndef __packed
#define __packed __attribute__((packed))
#endif
#define EXPORT_SYMBOL_GPL(sym)
#define ALIGN(x, a)	(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define min(a, b)	((a) < (b) ? (a) : (b))
#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))
#define virt_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define virt_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define virt_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)

#endif /* _SYNBUS_RING_PLATFORM_H */
