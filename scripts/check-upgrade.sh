#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-upgrade: live update from the previous release of this series
# to this tree and back.
#
# The previous release is the last one in series/releases (each also a git
# tag) that is not HEAD itself, or KHO_PREV_RELEASE=<commit>.  It is built
# from its own overlay, on its own base, with this tree's tooling: a
# worktree in build/prev/tree, the kernel in build/prev/src and
# build/prev/obj.  The layout mirrors build/src and build/obj, so ccache
# (CCACHE_BASEDIR is the clone) serves every object the two trees share.
#
# Then one guest runs the chain previous -> HEAD -> previous -> HEAD
# (upgrade, rollback, upgrade), carrying test_kho's folios and vmalloc()ed
# table, a reserve_mem= trace buffer with its marker and a /dev/liveupdate
# session with a sealed 256 MiB memfd, each checked byte for byte at every
# hop (guest/scenario/kho-upgrade), and HEAD writes a handover version
# nobody knows (the debug fault "version") into the previous release; then
# a second guest, HEAD into HEAD with that version.  Both must refuse it in
# one line and boot without it.  Prints KTAP; non-zero exit on any failure.
set -uo pipefail
. "$(dirname "$0")/common.sh"

head=$(git -C "$KHO_TOP" rev-parse HEAD)
# NAME COMMIT BASE of the release, or the commit alone
prev=${KHO_PREV_RELEASE:-$(awk -v h="$head" '!/^#/ && NF == 3 && $2 != h { r = $0 } END { print r }' \
	"$KHO_TOP/series/releases")}
read -r prev_name prev prev_base <<<"$prev"
[ -n "$prev" ] || prev=$prev_name
P=$KHO_BUILD/prev
export KHO_LOGS=$KHO_BUILD/logs-upgrade
mkdir -p "$KHO_LOGS" "$P"

echo "KTAP version 1"
echo "# Subtest: check-upgrade"

if [ -z "$prev" ] || ! git -C "$KHO_TOP" rev-parse -q --verify "$prev^{commit}" >/dev/null; then
	ktap_result 1 previous_release "no release before HEAD in series/releases"
	echo "1..$KTAP_N"
	exit 1
fi
prev_commit=$(git -C "$KHO_TOP" rev-parse --short "$prev^{commit}")
# A commit that is not a release: the base its own tooling names
[ -n "$prev_base" ] || prev_base=$(git -C "$KHO_TOP" show "$prev_commit:scripts/common.sh" |
	sed -n -e 's/^KHO_BASE_DEFAULT=//p' \
	-e 's/^KHO_BASE_VER=\${KHO_BASE_VER:-\(.*\)}$/\1/p' | head -1)
ktap_result "$([ -n "$prev_base" ]; echo $?)" previous_release \
	"$prev_name ($prev_commit) on $KHO_BASE_PKG ${prev_base:-?}; HEAD $(git -C "$KHO_TOP" rev-parse --short HEAD) on $KHO_BASE_VER"

# The previous release's tree, checked out where its overlay is read
if [ "$(git -C "$P/tree" rev-parse --short HEAD 2>/dev/null)" != "$prev_commit" ]; then
	rm -rf "$P/tree"
	git -C "$KHO_TOP" worktree prune
	git -C "$KHO_TOP" worktree add -q --detach --force "$P/tree" "$prev_commit" ||
		{ ktap_result 1 previous_tree "git worktree add failed"; echo "1..$KTAP_N"; exit 1; }
fi

# Both kernels: HEAD's test kernel (build/obj), and the previous release's
# with its own config fragment.  KHO_PREBUILD=1 (check.sh): only the
# previous base's two builds, at the lowest priority, early; build/obj is
# the other tests' to use.  Both have trees of their own, so each applies
# its overlay (KHO_NO_APPLY=).
if [ "${KHO_PREBUILD:-}" != 1 ]; then
	KHO_BUILD_NAME=build_head ktap_build "$KHO_LOGS/build-head.log" ||
		{ echo "1..$KTAP_N"; exit 1; }
fi
if ! KHO_OBJ=$P/obj KHO_BUILD_NAME=build_previous_release \
	ktap_build "$KHO_LOGS/build-prev.log" KHO_NO_APPLY= \
	KHO_SRC="$P/src" KHO_OBJ="$P/obj" KHO_OVERLAY="$P/tree" \
	KHO_BASE_VER="$prev_base" KHO_FRAGMENTS="$P/tree/configs/kho.config" \
	KHO_TARGETS="bzImage lib/test_kho.ko"; then
	echo "1..$KTAP_N"
	exit 1
fi

# This tree must apply to the previous base and build there too (the
# objects are mostly the previous release's, from ccache)
B=$KHO_BUILD/base-prev
KHO_OBJ=$B/obj KHO_BUILD_NAME=build_head_on_previous_base \
	ktap_build "$KHO_LOGS/build-head-prev-base.log" KHO_NO_APPLY= \
	KHO_SRC="$B/src" KHO_OBJ="$B/obj" KHO_BASE_VER="$KHO_BASE_PREV"
[ "${KHO_PREBUILD:-}" = 1 ] && exit 0

# One initramfs with both kernels and both test modules
extra=$KHO_BUILD/initramfs-upgrade.list
{
	echo "dir /lib/modules-prev 0755 0 0"
	echo "dir /lib/modules-head 0755 0 0"
	echo "file /boot/prev.bzImage $P/obj/arch/x86/boot/bzImage 0644 0 0"
	echo "file /boot/head.bzImage $KHO_OBJ/arch/x86/boot/bzImage 0644 0 0"
	echo "file /lib/modules-prev/test_kho.ko $P/obj/lib/test_kho.ko 0644 0 0"
	echo "file /lib/modules-head/test_kho.ko $KHO_OBJ/lib/test_kho.ko 0644 0 0"
} >"$extra"
initrd=$KHO_BUILD/initramfs-upgrade.cpio
if ! KHO_INITRD_EXTRA=$extra "$KHO_TOP/scripts/initramfs.sh" "$initrd" \
	>"$KHO_LOGS/initramfs.log" 2>&1; then
	ktap_result 1 initramfs "see ${KHO_LOGS#"$KHO_TOP"/}/initramfs.log"
	echo "1..$KTAP_N"
	exit 1
fi

# prev -> HEAD -> prev -> HEAD carrying everything, then HEAD writes an
# unknown handover version into prev; and, from scratch, HEAD writes one
# into HEAD
rm="reserve_mem=16M:4096:trace trace_instance=boot_map@trace"
upgrade_run() {	# upgrade_run NAME KERNELS VERSION_AT
	local k0=${2%%,*} hops
	hops=$(($(echo "$2" | tr , '\n' | wc -l) - 1))
	[ "$k0" = prev ] && k0=$P/obj || k0=$KHO_OBJ
	out=$(python3 "$KHO_TOP/scripts/qemu-run.py" --name "$1" \
		--kernel "$k0/arch/x86/boot/bzImage" --initrd "$initrd" \
		--hops "$hops" --mem 2G --scenario kho-upgrade --timeout 900 \
		--append "kho=on liveupdate=on luo_mib=256 $rm kho_kernels=$2 kho_version_at=$3")
	ktap_relay "$1." "$out"
}
upgrade_run upgrade prev,head,prev,head,prev 3
upgrade_run version head,head 0

# Per hop, what the next kernel verified: test_kho's folios, the memfd's
# words, the previous generation's trace marker
log=$KHO_LOGS/upgrade.log
awk '
function flush() { if (g != "") printf "# kho-upgrade-hop: gen=%s kernel=%s test_kho=%s memfd=%s trace_marker=%s\n", g, k, t, m, r }
/# kho-upgrade: gen=/ { flush(); split($0, a, "gen="); split(a[2], b, " "); g = b[1]
	split($0, c, "kernel="); split(c[2], d, " "); k = d[1]; t = "-"; m = "-"; r = "-" }
/# \[ *[0-9.]*\] test_kho: restored/ { sub(/.*test_kho: restored /, ""); t = "\"" $0 "\"" }
/# ok [0-9]* main_contents # / { sub(/.*main_contents # /, ""); m = "\"" $0 "\"" }
/ok [0-9]* trace_marker_of_previous_gen/ { r = ($0 ~ /not ok/) ? "lost" : "kept" }
END { flush() }' "$log"
refusals=$(grep -ah '# kho-upgrade-refusal:' "$log" "$KHO_LOGS/version.log" | sed 's/^.*# //')
echo "$refusals" | sed 's/^/# /'
# HEAD names both versions; the previous release says what it expected
echo "$refusals" | grep -q "gen=1 kernel=head .*'kho-v2'.*'kho-v1'"
ktap_result $? head_refusal_names_both_versions "$(echo "$refusals" | grep 'kernel=head' | cut -c1-200)"
echo "$refusals" | grep -q 'gen=4 kernel=prev .*kho-v1'
ktap_result $? previous_release_refuses_unknown_version "$(echo "$refusals" | grep 'kernel=prev' | cut -c1-200)"

echo "1..$KTAP_N"
[ "$KTAP_FAILED" -eq 0 ]
