# SPDX-License-Identifier: GPL-2.0
#
# Outer makefile. The kbuild pass reads ./Kbuild, never this file.
# dkms calls us with KERNELRELEASE=<version>; by hand KDIR picks the tree.

KERNELRELEASE ?=
ifneq ($(KERNELRELEASE),)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
else
KDIR ?= $(shell scripts/kdir.sh)
endif

PWD := $(shell pwd)
T ?=
# B= picks the benchmarks of `make bench`; keep it out of the sub-makes
# (tools/Makefile's B is its object folder).
MAKEOVERRIDES := $(filter-out B=%,$(MAKEOVERRIDES))
DESTDIR ?=
PREFIX ?= /usr

# Kernel sources checked by `make check` (the format library included).
KSRC := $(shell find vhd vmbus balloon vmq csv selftests -name '*.[ch]' \
	  -not -name '*.mod.c' -not -path 'selftests/*/user/*' 2>/dev/null)

.PHONY: all modules tools check test test-host test-qemu test-debug demo \
	deps install headers_install dkms-check fuzz bench clean help

all: modules tools

modules:
	@test -d "$(KDIR)" || { echo "KDIR=$(KDIR) not found; run 'make deps'" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(PWD) modules

tools:
	$(MAKE) -C tools

deps:
	@scripts/deps.sh

check: deps
	@scripts/check.sh "$(KDIR)"

# Userspace tests on the host, then every QEMU selftest, one summary line.
test: deps
	@scripts/test.sh $(T)

test-host: tools
	$(MAKE) -C tools test

test-qemu: modules tools
	@selftests/run.sh $(T)

test-debug: deps
	@scripts/test-debug.sh $(T)

demo: deps
	@scripts/demo.sh

fuzz: deps
	$(MAKE) -C tools fuzz FUZZ_SECONDS=$${FUZZ_SECONDS:-600}

bench: deps modules tools
	@bench/run.sh $(B)

install: modules tools
	$(MAKE) -C $(KDIR) M=$(PWD) modules_install
	$(MAKE) -C tools install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	-depmod -a $(KERNELRELEASE)

headers_install:
	install -d $(DESTDIR)$(PREFIX)/include/linux
	install -m 0644 uapi/linux/*.h $(DESTDIR)$(PREFIX)/include/linux/

dkms-check: deps
	@scripts/dkms-check.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(PWD) clean
	-$(MAKE) -C tools clean
	rm -rf build

help:
	@echo "make [modules|tools|check|test|test-debug|demo|bench|fuzz|install|headers_install|dkms-check|clean] [KDIR=...] [T=module[/test]]"
