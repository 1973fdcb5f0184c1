#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check the exported series the way a maintainer would: export it, apply it
# with "git am" on a fresh pristine base and, for every patch:
#   am:         it applies;
#   checkpatch: checkpatch.pl --strict finds nothing (the ignores of
#               series/series, each justified there, aside);
#   build:      tinyconfig + configs/kho.config builds (bzImage, modules),
#               incrementally in one O= directory;
#   warnings:   the objects of the .c files it touches, rebuilt with W=1
#               and sparse (C=2), warn no more than before the patch (for
#               a new file: not at all);
#   kernel-doc: scripts/kernel-doc -none finds no more in the .c and .h
#               files it touches than before the patch;
#   boot:       a 1-hop KHO kexec chain (kho=on, kexec -s) in QEMU, from
#               the first patch that can boot one (the scratch patch: before
#               it kexec_file_load() with kho=on has no scratch to load into)
#               and only for patches that change what boots: a patch that
#               touches only documentation, tools/ or test code is not
#               booted again.
# Prints KTAP.  SERIES_BOOT=0 skips the boots.
#
# The results of a patch whose checks all passed are kept outside the
# clone (~/.cache/kho-series), keyed by the base, the tooling that judges
# them and the content of every patch up to and including it: a run
# whose series shares a prefix with an earlier one applies that prefix and
# reports its results again ("# cached") without rebuilding or booting it.
# KHO_SERIES_CACHE=0 checks every patch anew.
set -uo pipefail
. "$(dirname "$0")/common.sh"

"$KHO_TOP/scripts/setup.sh" && "$KHO_TOP/scripts/base.sh" || exit 1
series=$KHO_BUILD/series
# Same layout as build/src and build/obj, so ccache hits across both.
tree=$KHO_BUILD/series-check/src
obj=$KHO_BUILD/series-check/obj
work=$KHO_BUILD/series-check/work
log=$KHO_RESULTS/series-build.log
mkdir -p "$KHO_RESULTS" "$work"
t_start=$SECONDS
rm -f "$work"/results.*

echo "KTAP version 1"
echo "# Subtest: series-check"

if ! python3 "$KHO_TOP/scripts/series.py" export >&2; then
	ktap_result 1 export "scripts/series.py export failed"
	echo "1..$KTAP_N"
	exit 1
fi
patches=$(ls "$series"/*.patch 2>/dev/null | grep -v '/0000-')
count=$(echo "$patches" | grep -c . || true)
ktap_result 0 export "$count patches"

# A tree whose base is not build/src's (a base unpacked anew) goes
if [ -d "$tree" ] && [ "$(git -C "$tree" rev-parse -q --verify base 2>/dev/null)" != \
	"$(git -C "$KHO_SRC" rev-parse base)" ]; then
	rm -rf "$tree"
fi
if [ -d "$tree" ]; then
	git -C "$tree" am --abort >/dev/null 2>&1
	git -C "$tree" checkout -q -f --detach base && git -C "$tree" clean -fdxq
else
	git -C "$KHO_SRC" worktree prune
	git -C "$KHO_SRC" worktree add -q --detach "$tree" base
fi

mkdir -p "$obj"
cp "$KHO_TOP/configs/kho.config" "$obj/kho.config"

# step_make ARGS...: make in the series tree and its object directory.
# Not kmake: common.sh sets KHO_SRC to build/src, the whole overlay, and
# so every step would build the last patch's tree.
step_make() {
	make -s -C "$tree" O="$obj" -j"$KHO_JOBS" CC="ccache gcc" \
		HOSTCC="ccache gcc" "$@"
}

# Files a patch touches, from its diffstat
touched() {
	git -C "$tree" apply --numstat "$1" | cut -f3
}

# touched_objs FILE...: the objects this configuration builds from the
# .c files among FILE
touched_objs() {
	local f
	for f in "$@"; do
		case "$f" in
		*.c) [ -f "$obj/${f%.c}.o" ] && echo "${f%.c}.o" ;;
		esac
	done
}

# warnings OUT OBJ...: W=1 and sparse findings of OBJ (rebuilt), one per
# line, without line and column numbers so that moved code compares equal
warnings() {
	local out=$1
	shift
	: >"$out"
	[ $# -gt 0 ] || return 0
	# Remove the objects so that make rebuilds them with W=1 and C=2
	(cd "$obj" && rm -f "$@")
	step_make W=1 C=2 "$@" 2>&1 | grep -E ': (warning|error):' |
		sed -E 's/^([^:]+):[0-9]+:([0-9]+:)? /\1: /' | sort >"$out"
}

# kdoc OUT FILE...: kernel-doc findings in the .c and .h files among FILE
kdoc() {
	local out=$1 f
	shift
	: >"$out"
	for f in "$@"; do
		case "$f" in
		*.c|*.h) [ -f "$tree/$f" ] || continue
			(cd "$tree" && perl scripts/kernel-doc -none "$f" 2>&1) |
				sed -E 's/^([^:]+):[0-9]+: /\1: /' >>"$out" ;;
		esac
	done
	sort -o "$out" "$out"
}

# new_lines BEFORE AFTER: lines of AFTER that BEFORE lacks (as multisets)
new_lines() {
	comm -13 <(sort "$1") <(sort "$2")
}

# initrd_for BZIMAGE OUT: a minimal guest initramfs for a 1-hop chain with
# that kernel: busybox, kexec and its libraries, the TSC helper and the
# guest scripts (what guest/init needs; no test modules)
initrd_for() {
	local tsc=$work/tsc

	guest_tsc "$tsc" || return 1
	initrd_base "$1" "$tsc" | awk '!seen[$0]++' >"$work/initrd.list"
	"$obj/usr/gen_init_cpio" "$work/initrd.list" >"$2"
}

# Whether a patch changes what boots: anything but documentation, tools/
# (selftests, the memblock simulator) and the KUnit suite
boots_differently() {
	grep -qvE '^(Documentation/|tools/|kernel/kexec_handover_test\.c$|MAINTAINERS$)' "$1"
}

# The key of the empty prefix: the base and what judges a patch
cache=$KHO_CACHE/kho-series
mkdir -p "$cache"
key=$({ echo "$KHO_BASE_VER SERIES_BOOT=${SERIES_BOOT:-1}"
	cat "$0" "$KHO_TOP/scripts/common.sh" "$KHO_TOP/scripts/qemu-run.py" \
		"$KHO_TOP/configs/kho.config" "$KHO_TOP/guest/init" \
		"$KHO_TOP/guest/ktap.sh" "$series/checkpatch-ignore"; } | sha256sum | cut -c1-64)
cached=0

# A patch's results, kept for the cache, go to $work/results.KEY
# presult KEY RESULT NAME [DIAGNOSTIC]: ktap_result for the patch of KEY
presult() {
	local k=$1
	shift
	ktap_result "$@"
	printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >>"$work/results.$k"
}

# finish_patch KEY: keep the results of the patch of KEY if all passed
finish_patch() {
	grep -q '^1' "$work/results.$1" ||
		mv "$work/results.$1" "$cache/$1"
	rm -f "$work/results.$1"
}

# A patch's boot runs in the background while the next patch builds (the
# link and the compression of bzImage keep one CPU busy, QEMU the other).
# boot_start KEY SHORT: boot a copy of the kernel just built
# boot_wait: the result of the boot started last, if any
boot_key=
boot_start() {
	boot_key=$1 boot_short=$2
	cp "$obj/arch/x86/boot/bzImage" "$work/boot.bzImage"
	if ! initrd_for "$work/boot.bzImage" "$work/boot.cpio" 2>>"$log"; then
		presult "$1" 1 "boot:$2" "cannot build the initramfs"
		finish_patch "$1"
		boot_key=
		return
	fi
	KHO_LOGS=$KHO_RESULTS/series-boot python3 "$KHO_TOP/scripts/qemu-run.py" \
		--name "${2%%-*}" --hops 1 --append kho=on --timeout 120 \
		--kernel "$work/boot.bzImage" --initrd "$work/boot.cpio" \
		>"$work/boot.out" 2>&1 &
	boot_pid=$!
}

boot_wait() {
	local bad slog

	[ -n "$boot_key" ] || return 0
	wait "$boot_pid"
	bad=$(grep -c '^not ok' "$work/boot.out" || true)
	# After the patch that reads it, the next kernel must take the handover
	slog=$KHO_RESULTS/series-boot/${boot_short%%-*}.log
	if [ "$bad" = 0 ] && [ -f "$slog" ] && grep -q 'ignoring the handover' "$slog"; then
		bad=1
		echo "# the next kernel dropped the handover: $(grep -m1 'ignoring the handover' "$slog")" >&2
	fi
	if [ "$bad" = 0 ]; then
		presult "$boot_key" 0 "boot:$boot_short" "1-hop KHO kexec chain"
	else
		cat "$work/boot.out" >&2
		presult "$boot_key" 1 "boot:$boot_short" "see build/results/series-boot/${boot_short%%-*}.log"
	fi
	finish_patch "$boot_key"
	boot_key=
}

can_boot=0
configured=0
for p in $patches; do
	name=${p##*/}
	short=${name%.patch}
	# The key of the prefix up to this patch: its content, not the mail
	# headers that name its commit or the time of the export, nor the
	# series' length in its subject ([PATCH 03/32]): a patch added at
	# the end keeps the results of those before it
	key=$({ echo "$key"; grep -vE '^(From [0-9a-f]{40} |Message-Id: |In-Reply-To: |References: |Date: )' "$p" |
		sed -E '1,/^$/s,^(Subject: \[PATCH [0-9]+)/[0-9]+\],\1],'; } |
		sha256sum | cut -c1-64)
	if [ "${KHO_SERIES_CACHE:-1}" != 0 ] && [ -s "$cache/$key" ]; then
		if git -C "$tree" am -q "$p" >&2; then
			while IFS=$'\t' read -r res rname diag; do
				ktap_result "$res" "$rname" "cached${diag:+; $diag}"
			done <"$cache/$key"
			cached=$((cached + 1))
			[ -f "$tree/kernel/kexec_handover_scratch.c" ] && can_boot=1
			continue
		fi
		git -C "$tree" am --abort >/dev/null 2>&1
		git -C "$tree" checkout -q -f --detach HEAD
	fi
	t_patch=$SECONDS
	: >"$work/results.$key"
	touched "$p" >"$work/files" 2>/dev/null
	mapfile -t files <"$work/files"
	# Baselines before the patch: what its files already had
	mapfile -t objs < <(touched_objs "${files[@]}")
	if [ -s "$obj/.config" ]; then
		warnings "$work/warn.before" "${objs[@]}"
	else
		: >"$work/warn.before"
	fi
	kdoc "$work/kdoc.before" "${files[@]}"

	if ! am_out=$(git -C "$tree" am -q "$p" 2>&1); then
		echo "$am_out" >&2
		presult "$key" 1 "am:$short" "git am failed on a pristine base: $(df -h "$tree" |
			awk 'NR == 2 { print $4 " free" }'); $(echo "$am_out" | grep -m1 -E 'error|fatal|failed' |
			tr -d '\t')"
		git -C "$tree" am --abort >/dev/null 2>&1
		break
	fi
	ignore=$(awk -v f="$name" '$1 == f { print $2 }' "$series/checkpatch-ignore")
	[ "$ignore" = "-" ] && ignore=
	# checkpatch runs scripts/spdxcheck.py, which needs Debian's python3
	# with ply and GitPython, not whatever python3 comes first in PATH.
	out=$(cd "$tree" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict --quiet --showfile \
		${ignore:+--ignore "$ignore"} "$p" 2>&1)
	if [ -z "$out" ]; then
		presult "$key" 0 "checkpatch:$short" "${ignore:+ignored $ignore}"
	else
		echo "$out" >&2
		# --showfile puts FILE:LINE: before each ERROR, WARNING or CHECK
		presult "$key" 1 "checkpatch:$short" "$(echo "$out" | grep -cE '(^|: )(ERROR|WARNING|CHECK):') issues"
	fi
	# Build this step: tinyconfig + fragment; options a later patch adds
	# are simply unknown yet.  Made for the first patch this run builds
	# and again only for a patch that touches a Kconfig file: they are all
	# that decides it, and making it costs about 15 s.
	t_build=$SECONDS
	: >"$log"
	if [ "$configured" = 0 ] || grep -qE '(^|/)Kconfig[^/]*$' "$work/files"; then
		configured=0
		step_make tinyconfig >>"$log" 2>&1 &&
			cat "$obj/kho.config" >>"$obj/.config" &&
			step_make olddefconfig >>"$log" 2>&1 && configured=1
	fi
	if [ "$configured" = 1 ] && step_make bzImage modules >>"$log" 2>&1; then
		presult "$key" 0 "build:$short"
	else
		tail -20 "$log" >&2
		presult "$key" 1 "build:$short" "see build/results/series-build.log"
		finish_patch "$key"
		continue
	fi
	t_build=$((SECONDS - t_build))

	mapfile -t objs < <(touched_objs "${files[@]}")
	warnings "$work/warn.after" "${objs[@]}"
	new_lines "$work/warn.before" "$work/warn.after" >"$work/warn.new"
	if [ -s "$work/warn.new" ]; then
		cat "$work/warn.new" >&2
		presult "$key" 1 "warnings:$short" "$(wc -l <"$work/warn.new") new W=1/sparse warnings"
	else
		presult "$key" 0 "warnings:$short" "W=1 and sparse on ${#objs[@]} objects"
	fi
	kdoc "$work/kdoc.after" "${files[@]}"
	new_lines "$work/kdoc.before" "$work/kdoc.after" >"$work/kdoc.new"
	if [ -s "$work/kdoc.new" ]; then
		cat "$work/kdoc.new" >&2
		presult "$key" 1 "kernel-doc:$short" "$(wc -l <"$work/kdoc.new") new findings"
	else
		presult "$key" 0 "kernel-doc:$short"
	fi
	echo "# series-time: $short: ${t_build}s of build, $((SECONDS - t_patch))s in all (its boot aside)"

	# A kernel with kho=on can load a KHO image once it has scratch
	[ -f "$tree/kernel/kexec_handover_scratch.c" ] && can_boot=1
	boot_wait
	if [ "${SERIES_BOOT:-1}" = 0 ] || [ "$can_boot" = 0 ] ||
	   ! boots_differently "$work/files"; then
		finish_patch "$key"
	else
		boot_start "$key" "$short"
	fi
done
boot_wait
echo "# series-check: $((SECONDS - t_start)) s, $cached of $count patches cached"
echo "1..$KTAP_N"
exit $KTAP_FAILED
