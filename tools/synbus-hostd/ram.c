// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM: the file QEMU maps with -object memory-backend-file,share=on,
 * mem-path=PATH and -machine memory-backend=... The guest's physical
 * layout decides where a page lives in that file.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "window.h"

#define GIB		(1ULL << 30)
#define RAM_PAGE	4096ULL

/*
 * QEMU 7.2 splits RAM around the 32-bit PCI hole (default
 * max-ram-below-4g, gigabyte_align machine types, which all current ones
 * are):
 *  - q35 (pc_q35_init): lowmem = 2 GiB when RAM >= 0xb0000000 (2.75 GiB),
 *    else all RAM is below 4 GiB;
 *  - pc (pc_init1): lowmem = 3 GiB when RAM >= 0xe0000000 (3.5 GiB),
 *    else all RAM is below 4 GiB.
 * The one RAM block maps [0, lowmem) at guest physical 0 and
 * [lowmem, RAM) at guest physical 4 GiB, in file order.
 */
uint64_t hd_ram_lowmem(bool pc, uint64_t mem)
{
	if (pc)
		return mem >= 0xe0000000ULL ? 0xc0000000ULL : mem;
	return mem >= 0xb0000000ULL ? 0x80000000ULL : mem;
}

int hd_ram_map(uint64_t lowmem, uint64_t mem, uint64_t pfn, uint64_t count,
	       struct hd_frange r[2])
{
	uint64_t high, start, len, end;

	if (lowmem > mem || lowmem > 4 * GIB || !count ||
	    pfn > UINT64_MAX / RAM_PAGE || count > UINT64_MAX / RAM_PAGE)
		return -EINVAL;
	high = mem - lowmem;	/* bytes at 4 GiB and up */
	start = pfn * RAM_PAGE;
	len = count * RAM_PAGE;
	if (len > UINT64_MAX - start)
		return -EINVAL;
	end = start + len;
	if (end <= lowmem) {
		r[0].off = start;
	} else if (start >= 4 * GIB && end - 4 * GIB <= high) {
		r[0].off = lowmem + (start - 4 * GIB);
	} else if (lowmem == 4 * GIB && end - 4 * GIB <= high) {
		/* No hole to cross: file offsets run on at 4 GiB. */
		r[0].off = start;
	} else {
		return -EINVAL;
	}
	/* Either side of the hole is one file range: never two here. */
	r[0].len = len;
	return 1;
}

/*
 * The RAM file, opened at the first punch and kept open until QEMU goes
 * (hd_vm_ram_close()): a new QEMU may have made a new file, and an fd
 * held on an unlinked file would keep its memory.
 */
static int ram_open(struct hd_vm *vm)
{
	struct stat st;
	int fd, ret;

	if (vm->ram_fd >= 0)
		return 0;
	fd = open(vm->ram_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	vm->ram_fd = fd;
	vm->ram_fsize = st.st_size;
	return 0;
}

void hd_vm_ram_close(struct hd_vm *vm)
{
	if (vm->ram_fd >= 0)
		close(vm->ram_fd);
	vm->ram_fd = -1;
	vm->ram_fsize = 0;
}

static uint64_t ram_size(const struct hd_vm *vm)
{
	struct stat st;

	if (vm->mem)
		return vm->mem;
	if (vm->ram_fd >= 0)
		return vm->ram_fsize;
	if (vm->ram_path && !stat(vm->ram_path, &st))
		return st.st_size;
	return 0;
}

uint64_t hd_vm_ram_bytes(const struct hd_vm *vm)
{
	return ram_size(vm);
}

int hd_vm_punch(struct hd_vm *vm, uint64_t pfn, uint64_t count)
{
	struct hd_frange r[2];
	uint64_t mem = vm->mem;
	int n, i, ret;

	/* Without mem= the size is the file's: no stat() per range. */
	if (!mem && vm->ram_path && !ram_open(vm))
		mem = vm->ram_fsize;
	if (!mem)
		return vm->ram_path ? -ENOENT : 0;
	n = hd_ram_map(hd_ram_lowmem(vm->pc, mem), mem, pfn, count, r);
	if (n < 0)
		return n;
	if (!vm->ram_path)
		return 0;
	ret = ram_open(vm);
	for (i = 0; i < n && !ret; i++)
		if (fallocate(vm->ram_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      r[i].off, r[i].len) < 0)
			ret = -errno;
	return ret;
}

int64_t hd_vm_ram_allocated(struct hd_vm *vm)
{
	struct stat st;

	if (!vm->ram_path)
		return -ENOENT;
	if (stat(vm->ram_path, &st) < 0)
		return -errno;
	return (int64_t)st.st_blocks * 512;
}
