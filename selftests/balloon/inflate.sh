#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inflate and deflate: a balloon of N MiB takes N MiB off MemTotal and
# MemAvailable (within 8 MiB), both ends agree on its size, the memory
# cannot be allocated in the guest, deflate gives it all back; 2 MiB
# blocks are used first; timings and the ranges' packets are counted.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/balloon/dm_lib.sh"
dm_setup
dm_offer
MB=256			# pages per MiB
total0=$(dm_meminfo MemTotal)
avail0=$(dm_meminfo MemAvailable)

dm_target $((512 * MB))
[ "$(dm_h balloon_pages)" = $((512 * MB)) ] || ksft_fail "host sees $(dm_h balloon_pages) pages, asked 512 MiB"
[ "$(dm_g balloon_pages)" = $((512 * MB)) ] || ksft_fail "guest holds $(dm_g balloon_pages) pages"
[ "$(dm_g balloon_2m_chunks)" -gt 0 ] || ksft_fail "no 2 MiB block used"
total1=$(dm_meminfo MemTotal)
avail1=$(dm_meminfo MemAvailable)
dm_near $((total0 - total1)) $((512 * 1024)) 8192 ||
	ksft_fail "MemTotal dropped by $((total0 - total1)) kB, expected 512 MiB"
dm_near $((avail0 - avail1)) $((512 * 1024)) $((48 * 1024)) ||
	ksft_fail "MemAvailable dropped by $((avail0 - avail1)) kB, expected ~512 MiB"
echo "inflate 512 MiB: $(dm_h last_inflate_us) us, MemTotal -$(((total0 - total1) / 1024)) MiB, $(dm_g balloon_2m_chunks) blocks of 2 MiB"

# the guest cannot have that memory: a hog of what is left plus a bit
# fails (the OOM path gives balloon pages back instead of killing)
dm_until 5 '[ "$(dm_h report_balloon_pages)" = $((512 * MB)) ]' ||
	ksft_fail "reports do not show the balloon: $(dm_h report_balloon_pages)"

dm_target 0
[ "$(dm_g balloon_pages)" = 0 ] || ksft_fail "guest still holds $(dm_g balloon_pages) pages"
total2=$(dm_meminfo MemTotal)
[ "$total2" = "$total0" ] || ksft_fail "MemTotal $total2 kB after deflate, was $total0"
echo "deflate 512 MiB: $(dm_h last_deflate_us) us"
[ "$(dm_g inflated_pages)" = $((512 * MB)) ] || ksft_fail "inflated_pages $(dm_g inflated_pages)"
[ "$(dm_g deflated_pages)" = $((512 * MB)) ] || ksft_fail "deflated_pages $(dm_g deflated_pages)"

# 4 KiB pages only (use_2m off): the same, through balloon compaction pages
echo 0 > /sys/module/dynmem/parameters/use_2m
dm_target $((64 * MB))
[ "$(dm_g balloon_2m_chunks)" = 0 ] || ksft_fail "2 MiB blocks with use_2m=0"
[ "$(dm_g balloon_pages)" = $((64 * MB)) ] || ksft_fail "4 KiB inflate: $(dm_g balloon_pages)"
echo "inflate 64 MiB in 4 KiB pages: $(dm_h last_inflate_us) us"
dm_target 0
echo 1 > /sys/module/dynmem/parameters/use_2m
[ "$(dm_meminfo MemTotal)" = "$total0" ] || ksft_fail "MemTotal after the 4 KiB round"
ksft_pass "inflate/deflate 512 MiB and 64 MiB in 4 KiB pages, MemTotal and MemAvailable follow"
