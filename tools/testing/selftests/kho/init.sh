#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the Kexec HandOver (KHO) selftest guest; vmtest.sh builds the
# initramfs and boots it.  Every generation of the chain:
#
#   - checks that KHO is on (debugfs kho/out/finalize exists);
#   - loads test_kho, which first restores and verifies (order and checksum
#     of every folio) what the previous generation preserved, then preserves
#     max_mem bytes of new random folios;
#   - checks that every pageblock of scratch is CMA and counted in
#     CmaTotal (debugfs kho/out/scratch_pageblocks, /proc/meminfo);
#   - from the second generation on, checks that the restore found every
#     folio intact and that the handover was not dropped;
#   - finalizes the handover, regenerates this initramfs from its own rootfs
#     and kexecs the same kernel with kho_selftest.gen incremented.
#
# The last generation, or the first one with a failed check, reboots; QEMU
# runs with -no-reboot, so that ends the run.
#
# Kernel command line: kho_selftest.gen=K (this generation, 0 first),
# kho_selftest.hops=N (the last generation is N), kho_selftest.mem=SIZE
# (test_kho max_mem=), kho_selftest.nodes=N (optional: expect N NUMA
# nodes), kho_selftest.luo=MIB (optional: live update too, see below).
# The kernel ignores these dotted parameters.
#
# With kho_selftest.luo=MIB (vmtest.sh -l, booted with liveupdate=on),
# /bin/luo_kexec (tools/testing/selftests/liveupdate) also carries a MIB MiB
# memfd and five more sessions through the chain: generation 0 preserves
# them, generation 1 checks them all, every later one checks the memfd,
# and each but the last preserves it again.  The explicit finalize above
# then freezes the sessions, before the kexec reboot.
#
# Every line for the host starts with "kho-selftest: ":
#   gen=K hops=N begin            first line of a generation
#   ok NAME [# DIAG]              a check passed
#   not ok NAME [# REASON]        a check failed
#   # TEXT                        a diagnostic
#   gen=K end pass=P fail=F       all checks of this generation are done
#   gen=K kexec                   just before kexec -e
#   complete hops=N               the last generation passed
#   error: TEXT                   why the chain stopped early

set -u
/bin/busybox mount -t proc none /proc
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t devtmpfs none /dev 2>/dev/null
# Without /dev/console in the initramfs the kernel starts us without stdio.
exec </dev/console >/dev/console 2>&1
mount -t sysfs none /sys
mount -t debugfs none /sys/kernel/debug
mount -t tmpfs none /tmp

TAG=kho-selftest:
KHO_OUT=/sys/kernel/debug/kho/out
RESTORED='test_kho: restored [0-9]* folios, [0-9]* bytes:'
RESTORED_ALL='test_kho: restored [1-9][0-9]* folios, [0-9]* bytes: 0 bad'
gen=0
hops=0
mem=64M
nodes=
luo=
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case "$arg" in
	kho_selftest.gen=*) gen=${arg#*=} ;;
	kho_selftest.hops=*) hops=${arg#*=} ;;
	kho_selftest.mem=*) mem=${arg#*=} ;;
	kho_selftest.nodes=*) nodes=${arg#*=} ;;
	kho_selftest.luo=*) luo=${arg#*=} ;;
	esac
done

pass=0
fail=0

say() {
	echo "$TAG $*"
}

# result <0|1> NAME [DIAGNOSTIC]
result() {
	if [ "$1" -eq 0 ]; then
		pass=$((pass + 1))
		say "ok $2${3:+ # $3}"
	else
		fail=$((fail + 1))
		say "not ok $2${3:+ # $3}"
	fi
}

# end_gen: tell the host that this generation's checks are done
end_gen() {
	say "gen=$gen end pass=$pass fail=$fail"
}

# stop [REASON]: end the run; QEMU runs with -no-reboot, so a reboot ends it
stop() {
	[ -n "${1:-}" ] && say "error: $1"
	sync
	reboot -f
	# not reached
	sleep 3600
}

say "gen=$gen hops=$hops begin uptime=$(cut -d' ' -f1 /proc/uptime)"
text=$(grep -m1 ' _text$' /proc/kallsyms 2>/dev/null | cut -d' ' -f1)
result 0 booted "$(uname -r), uptime $(cut -d' ' -f1 /proc/uptime)s${text:+, _text at $text}"

if [ -n "$nodes" ]; then
	have=0
	for node in /sys/devices/system/node/node[0-9]*; do
		[ -d "$node" ] && have=$((have + 1))
	done
	result "$([ "$have" -eq "$nodes" ]; echo $?)" numa_nodes "$have of $nodes"
fi

if [ -e "$KHO_OUT/finalize" ]; then
	result 0 kho_debugfs
else
	why=$(dmesg | grep -m1 'KHO: ' | sed 's/^\[[^]]*\] //')
	result 1 kho_debugfs "no $KHO_OUT/finalize: KHO is off${why:+ ($why)}"
fi

if [ "$gen" -gt 0 ]; then
	drop=$(dmesg | grep -m1 -e 'KHO: ignoring the handover' -e 'preserved memory is lost' |
		sed 's/^\[[^]]*\] //')
	result "$([ -z "$drop" ]; echo $?)" handover_accepted "$drop"
fi

# test_kho restores the previous generation's folios at load time.
err=$(insmod /lib/modules/test_kho.ko "max_mem=$mem" 2>&1)
rc=$?
dmesg | grep 'test_kho: ' | sed "s/^\[[^]]*\] /$TAG # /"
preserved=$(dmesg | grep -o 'test_kho: preserved [0-9]* folios, [0-9]* bytes' | tail -1)
if [ $rc -eq 0 ] && [ -n "$preserved" ]; then
	result 0 test_kho_load "max_mem=$mem: ${preserved#test_kho: }"
else
	result 1 test_kho_load "insmod test_kho.ko max_mem=$mem failed: ${err:-exit $rc}"
fi

# Scratch must be CMA, every pageblock of it, and counted as CMA
sp=$(tr '\n' ' ' <"$KHO_OUT/scratch_pageblocks" 2>/dev/null)
set -- $sp
cma_total=$(sed -n 's/^CmaTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)
cma_free=$(sed -n 's/^CmaFree: *\([0-9]*\).*/\1/p' /proc/meminfo)
diag="${sp:-no scratch_pageblocks}; CmaTotal ${cma_total}kB, CmaFree ${cma_free}kB"
pb_order=$(sed -n 's/^Page block order: //p' /proc/pagetypeinfo | head -1)
[ $# -eq 4 ] && [ "$2" -gt 0 ] && [ "$2" = "$4" ] &&
	[ "$cma_free" -le "$cma_total" ] &&
	[ "$cma_total" -ge $(($4 << ${pb_order:-9} << 2)) ]
result $? scratch_all_cma "$diag"

if [ "$gen" -gt 0 ]; then
	restored=$(dmesg | grep -o "$RESTORED [0-9]* bad" | tail -1)
	if echo "$restored" | grep -q "$RESTORED_ALL"; then
		result 0 restored_previous "${restored#test_kho: }"
	else
		result 1 restored_previous "${restored:-no 'test_kho: restored' line in dmesg}"
	fi
	# test_kho preserves what it restored again: gen0's data all along
	same=$(dmesg | grep -o 'test_kho: carrying the same data for [0-9]* hops' | tail -1)
	result "$([ "${same##* for }" = "$gen hops" ]; echo $?)" same_data_since_gen0 \
		"${same:-no 'carrying the same data' line in dmesg}"
	missing=$(dmesg | grep -m1 'no preserved folio at' | sed 's/^\[[^]]*\] //')
	result "$([ -z "$missing" ]; echo $?)" no_missing_folio "$missing"
fi

# luo_stage: run luo_kexec's stage for this generation, its results as
# this generation's
luo_stage() {
	/bin/luo_kexec chain "$gen" "$hops" "$luo" >/tmp/luo.log 2>&1
	rc=$?
	sed -n 's/^\(not \)\{0,1\}ok [0-9]* \(.*\)$/\1ok luo.\2/p; s/^# /# luo: /p' \
		/tmp/luo.log | while IFS= read -r line; do say "$line"; done
	# the while loop ran in a subshell: count here
	pass=$((pass + $(grep -c '^ok ' /tmp/luo.log)))
	fail=$((fail + $(grep -c '^not ok ' /tmp/luo.log)))
	result $rc luo_chain "luo_kexec chain $gen $hops $luo"
}

[ -z "$luo" ] || luo_stage

if [ $fail -ne 0 ]; then
	end_gen
	stop "gen$gen: $fail check(s) failed"
fi

if [ "$gen" -ge "$hops" ]; then
	end_gen
	say "complete hops=$hops"
	stop
fi

if echo 1 >"$KHO_OUT/finalize"; then
	result 0 finalize "$(dmesg | grep 'KHO: finalized' | tail -1 | sed 's/^\[[^]]*\] KHO: //')"
else
	result 1 finalize "$(dmesg | grep 'KHO: ' | tail -1 | sed 's/^\[[^]]*\] //')"
fi

# The next initramfs is this one, regenerated from the rootfs; -xdev keeps
# out /proc, /sys, /tmp and devtmpfs but lists their mount points.
next=$((gen + 1))
(cd / && { find . -xdev; echo ./dev/console; } | sed -n 's,^\./,,p' |
	cpio -o -H newc 2>/dev/null) >/tmp/next.cpio
size=$(wc -c </tmp/next.cpio)
result "$([ "$size" -gt 0 ]; echo $?)" next_initrd "$size bytes"

cmdline=$(echo "$cmdline" | sed "s/kho_selftest\.gen=[0-9]*/kho_selftest.gen=$next/")
err=$(kexec -s -l /boot/bzImage --initrd=/tmp/next.cpio \
	--command-line="$cmdline" 2>&1)
rc=$?
result $rc kexec_load "$(echo "$err" | tail -1)"

end_gen
[ $fail -eq 0 ] || stop "gen$gen: $fail check(s) failed"
say "gen=$gen kexec"
kexec -e
stop "gen$gen: kexec -e failed (exit $?)"
