#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest under memory pressure with an inflated balloon:
#  - a target above what the guest can give stops with a partial result,
#    MemAvailable stays above the floor and nothing is OOM-killed;
#  - with the shrinker off, a program allocating more than is left gets
#    its memory through the OOM notifier (balloon pages released, the host
#    told, the program not killed), and inflation is held off afterwards;
#  - with the shrinker on, reclaim gives balloon pages back before OOM;
#  - the reports show the direct-reclaim stalls.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/balloon/dm_lib.sh"
dm_hog
dmesg -C
dm_setup
dm_offer
MB=256
total0=$(dm_meminfo MemTotal)

# --- a target beyond the guest: partial, no OOM kill
dm_target $((4096 * MB)) 120
[ "$(dm_h partial_requests)" -ge 1 ] || ksft_fail "an impossible target did not end partial"
got=$(dm_h balloon_pages)
[ "$got" -gt $((256 * MB)) ] || ksft_fail "partial inflate took only $got pages"
avail=$(dm_meminfo MemAvailable)
[ "$avail" -ge $((60 * 1024)) ] || ksft_fail "MemAvailable ${avail} kB under the floor"
dm_no_oom_kill
echo "impossible target: $((got / MB)) MiB taken, partial, MemAvailable $((avail / 1024)) MiB"
dm_target 0

# --- OOM path (shrinker off): the hog gets its memory, balloon shrinks
dm_param shrink 0
dm_param backoff_ms 600000
dm_param oom_pages $((128 * MB))
free_mb=$(( $(dm_meminfo MemAvailable) / 1024 ))
dm_target $(( (free_mb - 300) * MB )) 120
before=$(dm_g balloon_pages)
./hog 500 > hog.out 2>&1 || { cat hog.out; ksft_fail "the hog failed or was killed"; }
dm_no_oom_kill
[ "$(dm_g oom_deflates)" -ge 1 ] || ksft_fail "no OOM deflate (released $(dm_g released_pages))"
[ "$(dm_g released_pages)" -gt 0 ] || ksft_fail "nothing released"
after=$(dm_g balloon_pages)
[ "$after" -lt "$before" ] || ksft_fail "balloon did not shrink: $before -> $after"
dm_until 5 '[ "$(dm_h balloon_pages)" = "$(dm_g balloon_pages)" ]' ||
	ksft_fail "host counts $(dm_h balloon_pages), guest holds $(dm_g balloon_pages)"
echo "OOM path: balloon $((before / MB)) -> $((after / MB)) MiB in $(dm_g oom_deflates) notifier calls; hog unharmed"
# held off: an inflate right now gives nothing
echo $((after + 64 * MB)) > $DM_VM/balloon_target
dm_until 10 '[ "$(dm_h busy)" = 0 ]' || ksft_fail "busy"
[ "$(dm_g balloon_pages)" = "$after" ] || ksft_fail "inflated during the backoff"
dm_param backoff_ms 0
dm_target 0

# --- shrinker on: reclaim takes balloon pages back before OOM
dm_param shrink 1
dm_param backoff_ms 1000
rel0=$(dm_g released_pages)
oom0=$(dm_g oom_deflates)
free_mb=$(( $(dm_meminfo MemAvailable) / 1024 ))
dm_target $(( (free_mb - 300) * MB )) 120
./hog 500 > hog.out 2>&1 || { cat hog.out; ksft_fail "the hog failed under the shrinker"; }
dm_no_oom_kill
[ "$(dm_g released_pages)" -gt "$rel0" ] || ksft_fail "the shrinker released nothing"
echo "shrinker: released $(( ($(dm_g released_pages) - rel0) / MB )) MiB, OOM calls $(( $(dm_g oom_deflates) - oom0 ))"
dm_until 5 '[ "$(dm_h report_seq)" -gt 0 ]' || ksft_fail "no report"
sleep 1.5
echo "last report: stalls $(dm_h report_stalls), available $(( $(dm_h report_available_pages) / MB )) MiB"
dm_target 0
[ "$(dm_meminfo MemTotal)" = "$total0" ] || ksft_fail "MemTotal not back: $(dm_meminfo MemTotal) vs $total0"
ksft_pass "partial target, OOM notifier and shrinker deflate, no OOM kill"
