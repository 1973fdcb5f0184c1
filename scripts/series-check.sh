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

# initrd_for OBJDIR OUT: a minimal guest initramfs for a 1-hop chain with
# the kernel of OBJDIR: busybox, kexec and its libraries, the TSC helper
# and the guest scripts (what guest/init needs; no test modules)
initrd_for() {
	local o=$1 out=$2 tsc=$work/tsc

	guest_tsc "$tsc" || return 1
	initrd_base "$o/arch/x86/boot/bzImage" "$tsc" |
		awk '!seen[$0]++' >"$work/initrd.list"
	"$o/usr/gen_init_cpio" "$work/initrd.list" >"$out"
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
pending=

# presult: ktap_result for the patch being checked, remembered for the cache
presult() {
	ktap_result "$@"
	[ "$1" -eq 0 ] || patch_failed=1
	printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >>"$work/results"
}

# finish_patch: keep the results of the patch just checked if all passed
finish_patch() {
	[ -n "$pending" ] && [ "$patch_failed" = 0 ] && [ -s "$work/results" ] &&
		cp "$work/results" "$cache/$pending"
	pending=
}

can_boot=0
for p in $patches; do
	name=${p##*/}
	short=${name%.patch}
	# The key of the prefix up to this patch: its content, not the mail
	# headers that name its commit or the time of the export
	key=$({ echo "$key"; grep -vE '^(From [0-9a-f]{40} |Message-Id: |In-Reply-To: |References: |Date: )' "$p"; } |
		sha256sum | cut -c1-64)
	finish_patch
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
	pending=$key
	patch_failed=0
	: >"$work/results"
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

	if ! git -C "$tree" am -q "$p" >&2; then
		presult 1 "am:$short" "git am failed on a pristine base"
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
		presult 0 "checkpatch:$short" "${ignore:+ignored $ignore}"
	else
		echo "$out" >&2
		# --showfile puts FILE:LINE: before each ERROR, WARNING or CHECK
		presult 1 "checkpatch:$short" "$(echo "$out" | grep -cE '(^|: )(ERROR|WARNING|CHECK):') issues"
	fi
	# Build this step: tinyconfig + fragment; options a later patch adds
	# are simply unknown yet.
	if (step_make tinyconfig >/dev/null 2>&1 &&
	    cat "$obj/kho.config" >>"$obj/.config" &&
	    step_make olddefconfig >/dev/null 2>&1 &&
	    step_make bzImage modules) >"$log" 2>&1; then
		presult 0 "build:$short"
	else
		tail -20 "$log" >&2
		presult 1 "build:$short" "see build/results/series-build.log"
		continue
	fi

	mapfile -t objs < <(touched_objs "${files[@]}")
	warnings "$work/warn.after" "${objs[@]}"
	new_lines "$work/warn.before" "$work/warn.after" >"$work/warn.new"
	if [ -s "$work/warn.new" ]; then
		cat "$work/warn.new" >&2
		presult 1 "warnings:$short" "$(wc -l <"$work/warn.new") new W=1/sparse warnings"
	else
		presult 0 "warnings:$short" "W=1 and sparse on ${#objs[@]} objects"
	fi
	kdoc "$work/kdoc.after" "${files[@]}"
	new_lines "$work/kdoc.before" "$work/kdoc.after" >"$work/kdoc.new"
	if [ -s "$work/kdoc.new" ]; then
		cat "$work/kdoc.new" >&2
		presult 1 "kernel-doc:$short" "$(wc -l <"$work/kdoc.new") new findings"
	else
		presult 0 "kernel-doc:$short"
	fi

	# A kernel with kho=on can load a KHO image once it has scratch
	[ -f "$tree/kernel/kexec_handover_scratch.c" ] && can_boot=1
	if [ "${SERIES_BOOT:-1}" = 0 ] || [ "$can_boot" = 0 ] ||
	   ! boots_differently "$work/files"; then
		continue
	fi
	if ! initrd_for "$obj" "$work/initrd.cpio" 2>>"$log"; then
		presult 1 "boot:$short" "cannot build the initramfs"
		continue
	fi
	res=$(KHO_LOGS=$KHO_RESULTS/series-boot python3 "$KHO_TOP/scripts/qemu-run.py" \
		--name "${short%%-*}" --hops 1 --append kho=on --timeout 120 \
		--kernel "$obj/arch/x86/boot/bzImage" --initrd "$work/initrd.cpio" 2>&1)
	bad=$(echo "$res" | grep -c '^not ok' || true)
	# After the patch that reads it, the next kernel must take the handover
	slog=$KHO_RESULTS/series-boot/${short%%-*}.log
	if [ "$bad" = 0 ] && [ -f "$slog" ] && grep -q 'ignoring the handover' "$slog"; then
		bad=1
		echo "# the next kernel dropped the handover: $(grep -m1 'ignoring the handover' "$slog")" >&2
	fi
	if [ "$bad" = 0 ]; then
		presult 0 "boot:$short" "1-hop KHO kexec chain"
	else
		echo "$res" >&2
		presult 1 "boot:$short" "see build/results/series-boot/${short%%-*}.log"
	fi
done
finish_patch
echo "# series-check: $((SECONDS - t_start)) s, $cached of $count patches cached"
echo "1..$KTAP_N"
exit $KTAP_FAILED
