#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [SELECTION...]: build, boot QEMU guests, run the selected
# selftests in them and print TAP 13 plus "N passed, N failed, N skipped".
#
# SELECTION is a module folder ("vhd") or one test ("vhd/smoke_attach.sh");
# none means every folder with a TESTS file except harness/ (whose tests
# are meant to fail), demo/ (the README's main job), cluster/ (several
# guests each: selftests/cluster/run.sh) and hostd/ (guests of the host
# daemon, also through selftests/cluster/run.sh). A path such as
# bench/vhd/guest.sh runs that script in the guest like a test (timeout
# VHD_TIMEOUT, default 1800 s). Environment overrides:
#   VHD_KERNEL		kernel image (default: newest /boot/vmlinuz-*)
#   VHD_KVER		module tree version for the initramfs ("none", or
#			VHD_INITRD_MODULES=none: drivers built in)
#   VHD_KMOD_ROOT	where tests find our .ko files (default: repo root)
#   VHD_OUT		results folder (default: build/selftests/<time>)
#   VHD_QEMU_MEM, VHD_QEMU_CPUS, VHD_NO_BUILD=1, VHD_APPEND (extra cmdline)
#   VHD_QEMU_EXTRA	extra QEMU arguments, split on blanks (a device)
#   VHD_QMP		path: also serve QMP on this unix socket (server,
#			no wait) for a host-side helper (bench/run.sh)
#   VHD_SHOW_LOG=1	print every test's output, not only failures
#   VHD_ACCEL=tcg	never try KVM
#   VHD_TIMEOUT_SCALE	multiply every test's timeout (debug kernels are slow)
#   VHD_GUESTS		guests that share out the tests, each taking the next
#			one not taken (default: one per host CPU, at most 4;
#			1 with VHD_QMP, VHD_QEMU_EXTRA or a script path)
#   VHD_PVH=0		boot the bzImage, not its vmlinux (guest/vmlinux.sh)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
KSFT_INC=${KSFT_INC:-/var/cache/vhdsuite/linux-source-6.1/tools/testing/selftests}

kernel=${VHD_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)}
kver=${VHD_KVER:-$(basename "$kernel" | sed 's/^vmlinuz-//')}
[ "${VHD_INITRD_MODULES:-}" = none ] && kver=none
kmod_root=${VHD_KMOD_ROOT:-$top}
stamp=$(date +%Y%m%d-%H%M%S)-$$
out=${VHD_OUT:-$top/build/selftests/$stamp}
mkdir -p "$out/results"
ln -sfn "$out" "$top/build/selftests/latest" 2>/dev/null

# Expand the selection into "name timeout" lines.
sel=("$@")
if [ ${#sel[@]} -eq 0 ]; then
	for f in selftests/*/TESTS; do
		m=$(basename "$(dirname "$f")")
		case "$m" in harness|demo|cluster|hostd) ;; *) sel+=("$m") ;; esac
	done
fi
plan=$out/results/plan
: > "$plan"
mods=()
paths=0
for s in "${sel[@]}"; do
	# A script path outside selftests/ (bench/vhd/guest.sh) runs as is.
	if [[ "$s" != selftests/* && "$s" == */*.sh && -x "$s" ]]; then
		echo "../$s ${VHD_TIMEOUT:-1800}" >> "$plan"
		paths=1
		continue
	fi
	m=${s%%/*}
	t=
	[ "$s" != "$m" ] && t=${s#*/}
	case "$m" in cluster|hostd)
		echo "run.sh: $m tests run with selftests/cluster/run.sh (make test T=$m)" >&2
		exit 2 ;;
	esac
	list=selftests/$m/TESTS
	[ -f "$list" ] || { echo "run.sh: no $list" >&2; exit 2; }
	found=0
	while read -r name opts; do
		case "$name" in ''|\#*) continue ;; esac
		[ -z "$t" ] || [ "$t" = "$name" ] || continue
		to=45 solo=
		for o in $opts; do
			case "$o" in
			timeout=*) to=${o#timeout=} ;;
			solo) solo=" solo" ;;
			esac
		done
		to=$((to * ${VHD_TIMEOUT_SCALE:-1}))
		echo "$m/$name $to$solo" >> "$plan"
		found=1
	done < "$list"
	[ $found = 1 ] || { echo "run.sh: no test $s" >&2; exit 2; }
	[[ " ${mods[*]-} " == *" $m "* ]] || mods+=("$m")
done
ntests=$(wc -l < "$plan")

if [ "${VHD_NO_BUILD:-0}" != 1 ]; then
	make -s modules tools > "$out/build.log" 2>&1 ||
		{ cat "$out/build.log"; echo "run.sh: build failed" >&2; exit 1; }
	for m in "${mods[@]}"; do
		[ -f "selftests/$m/Makefile" ] || continue
		make -s -C "selftests/$m" KSFT_INC="$KSFT_INC" KDIR="${KDIR:-$(scripts/kdir.sh)}" all \
			>> "$out/build.log" 2>&1 ||
			{ cat "$out/build.log"; echo "run.sh: selftests/$m build failed" >&2; exit 1; }
	done
fi

# The initramfs only depends on the kernel's module tree and our scripts.
cache=$top/build/initramfs
mkdir -p "$cache"
key=$(cat selftests/guest/mkinitramfs.sh selftests/guest/init.sh | sha256sum | cut -c1-12)
initrd=$cache/$kver-$key.cpio.gz
[ -f "$initrd" ] || selftests/guest/mkinitramfs.sh "$kver" "$initrd" || exit 1
boot_kernel=$kernel
[ "${VHD_PVH:-1}" = 1 ] && boot_kernel=$(selftests/guest/vmlinux.sh "$kernel" "$cache")

# The tests are mostly one shell after another, which keeps one host CPU
# busy: more guests, each taking the next test of the plan, use the rest.
# A bench script measures, a QMP helper or an extra device expects one.
guests=${VHD_GUESTS:-}
if [ -z "$guests" ]; then
	guests=$(nproc 2>/dev/null || echo 1)
	[ "$guests" -gt 4 ] && guests=4
	if [ $paths = 1 ] || [ -n "${VHD_QMP:-}" ] || [ -n "${VHD_QEMU_EXTRA:-}" ]; then
		guests=1
	fi
fi
[ "$guests" -gt "$ntests" ] && guests=$ntests
[ "$guests" -ge 1 ] || guests=1

# gsfx G: the suffix of guest G's files ("" for the first, -G after).
gsfx() {
	[ "$1" = 1 ] || echo "-$1"
}

# KVM when /dev/kvm exists and really starts a vCPU (nested setups often
# expose a /dev/kvm that aborts QEMU at the first MSR write).
accel=tcg
cpu=max
if [ -w /dev/kvm ] && [ "${VHD_ACCEL:-}" != tcg ] &&
	(echo quit | timeout 10 qemu-system-x86_64 -machine q35,accel=kvm \
		-cpu host -nodefaults -display none -S -monitor stdio) \
		>/dev/null 2>&1; then
	accel=kvm
	cpu=host
fi
total=$(awk '{ s += $2 + 15 } END { print s + 120 }' "$plan")
append="console=ttyS0 loglevel=6 panic=-1 oops=panic softlockup_panic=0 \
rdinit=/init vhdsuite.runner=$top/selftests/guest/runner.sh \
vhdsuite.src=$top vhdsuite.kmod=$kmod_root ${VHD_APPEND:-}"

qextra=()
[ -n "${VHD_QMP:-}" ] && qextra+=(-qmp "unix:$VHD_QMP,server=on,wait=off")
read -ra qwords <<< "${VHD_QEMU_EXTRA:-}"
qextra+=("${qwords[@]}")

# boot_guest G: run guest G of $guests until it powers off. Scratch
# disks: vda holds the ext4 test folders, vdb and vdc are blank.
boot_guest() {
	local g=$1 x
	x=$(gsfx "$g")
	truncate -s 0 "$out/scratch0$x.img" "$out/scratch1$x.img" "$out/scratch2$x.img"
	truncate -s 4G "$out/scratch0$x.img"
	truncate -s 1G "$out/scratch1$x.img" "$out/scratch2$x.img"
	timeout -k 10 "$total" qemu-system-x86_64 \
		-machine q35,accel=$accel -cpu $cpu \
		-smp "${VHD_QEMU_CPUS:-2}" -m "${VHD_QEMU_MEM:-2048}" \
		-nographic -no-reboot -nodefaults -serial "file:$out/console$x.log" \
		-kernel "$boot_kernel" -initrd "$initrd" \
		-append "$append vhdsuite.guest=$g vhdsuite.guests=$guests" \
		-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
		-fsdev local,id=results,path="$out/results",security_model=none,multidevs=remap \
		-device virtio-9p-pci,fsdev=results,mount_tag=results \
		-drive file="$out/scratch0$x.img",if=virtio,format=raw,cache=unsafe \
		-drive file="$out/scratch1$x.img",if=virtio,format=raw,cache=unsafe \
		-drive file="$out/scratch2$x.img",if=virtio,format=raw,cache=unsafe \
		"${qextra[@]}" > "$out/qemu$x.log" 2>&1
	echo $? > "$out/qemu$x.rc"
	rm -f "$out"/scratch?"$x".img
}

how=$accel
[ "$boot_kernel" != "$kernel" ] && how="$how, PVH boot of its vmlinux"
[ "$guests" -gt 1 ] && how="$how, $guests guests"
echo "TAP version 13"
echo "# kernel: $kernel ($how), $ntests tests, logs in $out"
for ((g = 1; g <= guests; g++)); do
	boot_guest $g &
done
wait

BAD='WARNING:|BUG:|Oops|general protection fault|possible circular locking|inconsistent lock state|suspicious RCU usage|KASAN|kmemleak:.*suspected|blocked for more than|hung_task|possible recursive locking|Kernel panic'
pass=0 fail=0 skip=0
echo "1..$ntests"
i=0
while read -r name to _; do
	i=$((i + 1))
	line=$(cat "$out"/results/results* 2>/dev/null | awk -v n=$i '$1 == n')
	log=$out/results/$i.log
	if [ -z "$line" ]; then
		echo "not ok $i $name # did not run (guest died or timed out)"
		fail=$((fail + 1))
		continue
	fi
	set -- $line
	rc=$2
	secs=$(awk -v a="$3" -v b="$4" 'BEGIN { printf "%.1f", b - a }')
	shift 4
	bad="$*"
	if [ -n "$bad" ]; then
		echo "not ok $i $name # kernel log: $bad"
		fail=$((fail + 1))
	elif [ "$rc" = 0 ]; then
		echo "ok $i $name # ${secs}s"
		pass=$((pass + 1))
	elif [ "$rc" = 4 ]; then
		why=$(grep -m1 -i 'skip' "$log" | cut -c1-120)
		echo "ok $i $name # SKIP ${why:-skipped}"
		skip=$((skip + 1))
	else
		what="exit $rc"
		[ "$rc" = 124 ] || [ "$rc" = 137 ] && what="timeout after ${to}s"
		echo "not ok $i $name # $what, ${secs}s"
		fail=$((fail + 1))
	fi
	if [ "${VHD_SHOW_LOG:-0}" = 1 ]; then
		cat "$log"
	elif [ "$rc" != 0 ] && [ "$rc" != 4 ] || [ -n "$bad" ]; then
		sed 's/^/#   /' "$log" | tail -n 25
	fi
done < "$plan"

# A report outside any test (boot, kmemleak scan, the end) fails the run.
extra=$(cat "$out"/results/boot*.dmesg "$out"/results/final*.dmesg \
	"$out"/results/kmemleak*.txt 2>/dev/null | grep -E "$BAD|unreferenced object" | head -n 3)
for ((g = 1; g <= guests; g++)); do
	x=$(gsfx $g)
	[ -f "$out/results/done$x" ] && continue
	what="guest did not finish"
	[ "$guests" -gt 1 ] && what="guest $g did not finish"
	echo "# $what (qemu exit $(cat "$out/qemu$x.rc" 2>/dev/null)); console tail:"
	tail -n 30 "$out/console$x.log" | sed 's/^/#   /'
	extra="${extra}$what "
done
if [ -n "$extra" ]; then
	echo "not ok $((ntests + 1)) kernel-log # $(echo "$extra" | tr '\n' ' ' | cut -c1-200)"
	fail=$((fail + 1))
fi
[ $fail -gt 0 ] && echo "# failed: logs and kernel log kept in $out"
if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ]
