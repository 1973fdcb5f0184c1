# SPDX-License-Identifier: GPL-2.0
# KTAP helpers for guest scenarios; sourced by /init.  Each generation is
# one KTAP document; the host parses every generation's document from the
# serial log.

KTAP_N=0
KTAP_FAILED=0

ktap_begin() {
	echo "KTAP version 1"
	echo "# Subtest: $1"
}

ktap_result() {	# ktap_result <0|1> <name> [diagnostic]
	KTAP_N=$((KTAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $KTAP_N $2${3:+ # $3}"
	else
		KTAP_FAILED=$((KTAP_FAILED + 1))
		echo "not ok $KTAP_N $2${3:+ # $3}"
	fi
}

ktap_ok() { ktap_result 0 "$@"; }
ktap_fail() { ktap_result 1 "$@"; }

# ktap_check <name> <command...>: one result from a command's exit status
ktap_check() {
	name=$1
	shift
	if "$@"; then ktap_ok "$name"; else ktap_fail "$name"; fi
}

# Predicates for ktap_check
kho_not() { ! "$@"; }
dmesg_has() { dmesg | grep -q "$1"; }

ktap_end() {
	echo "1..$KTAP_N"
	echo "# kho-totals: pass:$((KTAP_N - KTAP_FAILED)) fail:$KTAP_FAILED"
}

# kho_next_cmdline: the next generation's command line: this one with
# hop= counted up, changed by the scenario's KHO_NEXT_SED (a sed script) if
# set, and with KUnit off (its cases are counted at the first boot only)
kho_next_cmdline() {
	kho_c=$(sed "s/\(^\| \)hop=[0-9]*/\1hop=$((hop + 1))/" /proc/cmdline)
	[ -n "${KHO_NEXT_SED:-}" ] && kho_c=$(echo "$kho_c" | sed "$KHO_NEXT_SED")
	case " $kho_c " in
	*" kunit.enable=0 "*) echo "$kho_c" ;;
	*) echo "$kho_c kunit.enable=0" ;;
	esac
}

# kho_next_initrd <file>: the next initrd, this one regenerated from the
# rootfs
kho_next_initrd() {
	(cd / && { echo dev; echo dev/console; echo proc; echo sys; echo tmp
		find bin sbin lib lib64 usr boot init -xdev 2>/dev/null; } |
		cpio -o -H newc 2>/dev/null) >"$1"
}

# kho_hop_end: end this generation's KTAP document just before kexec -e,
# with the markers that time the hop (the TSC here, then the kernel log's
# time of the shutdown up to "Starting new kernel")
kho_hop_end() {
	khz=$(/bin/tsc khz)
	ktap_end
	echo "# kho-hop: from=$hop tsc_khz=$khz tsc=$(/bin/tsc)"
	echo "kho-hop: kexec -e" >/dev/kmsg
}

# ktap_blob <name> <file>: send a file to the host through the serial log.
# scripts/qemu-run.py saves it as build/logs/<test>.<name>.
ktap_blob() {
	echo "# kho-blob: $1 begin $(wc -c <"$2") bytes"
	base64 <"$2"
	echo "# kho-blob: $1 end"
}

# kho_scratch_cma: one result saying whether every scratch pageblock is
# MIGRATE_CMA and counted as CMA: debugfs kho/out/scratch_pageblocks,
# the CMA column of /proc/pagetypeinfo and CmaTotal/CmaFree of meminfo
kho_scratch_cma() {
	f=/sys/kernel/debug/kho/out/scratch_pageblocks
	blocks=$(sed -n 's/^pageblocks //p' $f 2>/dev/null)
	cma=$(sed -n 's/^cma //p' $f 2>/dev/null)
	typeinfo=$(awk '/^Number of blocks type/ {
			for (i = 1; i <= NF; i++) if ($i == "CMA") col = i
			next }
		col && /^Node/ && !/type/ { sum += $col } END { print sum + 0 }' /proc/pagetypeinfo)
	total=$(sed -n 's/^CmaTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
	free=$(sed -n 's/^CmaFree: *\([0-9]*\) kB/\1/p' /proc/meminfo)
	pb_order=$(sed -n 's/^Page block order: //p' /proc/pagetypeinfo | head -1)
	pb_kb=$(((1 << ${pb_order:-9}) * 4))
	diag="scratch $cma of ${blocks:-?} pageblocks CMA, pagetypeinfo CMA $typeinfo, CmaTotal $total kB, CmaFree $free kB"
	if [ -n "$blocks" ] && [ "$blocks" -gt 0 ] && [ "$cma" = "$blocks" ] &&
	   [ "$typeinfo" -ge "$cma" ] && [ "$total" -ge $((cma * pb_kb)) ] &&
	   [ "$free" -le "$total" ]; then
		ktap_ok scratch_all_cma "$diag"
	else
		ktap_fail scratch_all_cma "$diag"
	fi
}

# kho_deferred_orders MAX: one result saying whether the boot log shows
# preserved folios of every order 0..MAX in deferred struct page memory
kho_deferred_orders() {
	line=$(dmesg | grep -o 'KHO: restore: [0-9]* of [0-9]* folios in deferred struct page memory, by order:.*')
	missing=
	for o in $(seq 0 "$1"); do
		echo "$line" | grep -q " $o:[1-9]" || missing="$missing $o"
	done
	if [ -n "$line" ] && [ -z "$missing" ]; then
		ktap_ok deferred_every_order "${line#KHO: restore: }"
	else
		ktap_fail deferred_every_order "${line:-no deferred restore line}${missing:+; none of order$missing}"
	fi
}

# kho_kmemleak: with kmemleak, one result from a scan for leaks.  An object
# is reported once it is 5 s old, so wait that long first; a second scan
# drops objects that were only in flight during the first.
kho_kmemleak() {
	f=/sys/kernel/debug/kmemleak
	[ -e $f ] || return 0
	sleep 6
	echo scan >$f && echo scan >$f
	leaks=$(grep -c '^unreferenced object' $f)
	echo "# kho-kmemleak: scan done, $leaks leaks"
	if [ "$leaks" -eq 0 ]; then
		ktap_ok kmemleak_clean "scanned after the restore"
	else
		head -40 $f | sed 's/^/# /'
		ktap_fail kmemleak_clean "$leaks unreferenced objects"
	fi
}
