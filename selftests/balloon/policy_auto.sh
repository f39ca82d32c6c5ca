#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host's policy running on the guest's reports (dynmem_host auto_policy=1):
# an idle guest is shrunk toward committed + buffer but never below min;
# when a program commits more memory, the next reports make the policy
# give memory back (the balloon deflates) within a few seconds; the
# limits reach the guest (min_pages/max_pages in its sysfs).
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/balloon/dm_lib.sh"
dm_hog
dm_setup
dm_offer
MB=256
total0=$(( $(dm_meminfo MemTotal) / 4 ))	# pages
min=$((512 * MB))
echo $min > $DM_VM/min_pages
echo "$total0" > $DM_VM/max_pages
echo 20 > $DM_VM/buffer_pct
dm_until 5 '[ "$(dm_g min_pages)" = $min ] && [ "$(dm_g max_pages)" = "$total0" ]' ||
	ksft_fail "limits not seen by the guest: $(dm_g min_pages)/$(dm_g max_pages)"
echo 500 > $DM_HOST/policy_ms
echo 1 > $DM_HOST/auto_policy
vt_cleanup_auto() { echo 0 > $DM_HOST/auto_policy; }
trap 'vt_cleanup_auto; dm_cleanup' EXIT

# idle: the balloon grows until the guest has about max(min, want)
dm_until 60 '[ "$(dm_h busy)" = 0 ] && [ "$(dm_h balloon_pages)" -gt 0 ] &&
	[ "$(dm_h balloon_pages)" = "$(dm_h balloon_target)" ]' ||
	ksft_fail "idle guest not shrunk: balloon $(dm_h balloon_pages), target $(dm_h balloon_target)"
have=$(( $(dm_meminfo MemTotal) / 4 ))
[ "$have" -ge "$min" ] || ksft_fail "guest shrunk below min: $have < $min pages"
committed=$(dm_h report_committed_pages)
echo "idle: guest has $((have / MB)) MiB (committed $((committed / MB)) MiB, min $((min / MB)) MiB), balloon $(( $(dm_h balloon_pages) / MB )) MiB"
idle_balloon=$(dm_h balloon_pages)

# a program commits 600 MiB, 10 MiB a second: the reports show it and the
# policy gives memory back as it grows (committed + 20 % > min)
idle_target=$(dm_h balloon_target)
./hog 600 20 100 > hog.out 2>&1 &
DM_PIDS+=($!)
dm_until 90 '[ "$(dm_h balloon_target)" -lt $((idle_target - 128 * MB)) ] &&
	[ "$(dm_h balloon_pages)" -lt $((idle_balloon - 128 * MB)) ]' ||
	ksft_fail "no deflate under load: balloon $(dm_h balloon_pages), target $(dm_h balloon_target) (idle $idle_balloon)"
echo "under load: balloon $(( $(dm_h balloon_pages) / MB )) MiB, committed $(( $(dm_h report_committed_pages) / MB )) MiB, released by the guest itself $(( $(dm_g released_pages) / MB )) MiB"
wait "${DM_PIDS[-1]}" || { cat hog.out; ksft_fail "the hog failed"; }
dm_no_oom_kill
echo 0 > $DM_HOST/auto_policy
dm_target 0
ksft_pass "policy shrinks an idle guest to max(min, committed + buffer) and grows it under load"
