#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check the exported series the way a maintainer would: export it, apply it
# with "git am" on a fresh pristine base, run checkpatch --strict on every
# patch, and build after every patch (incrementally, one O= directory).
# Prints KTAP.
set -uo pipefail
. "$(dirname "$0")/common.sh"

"$KHO_TOP/scripts/setup.sh" && "$KHO_TOP/scripts/base.sh" || exit 1
series=$KHO_BUILD/series
# Same layout as build/src and build/obj, so ccache hits across both.
tree=$KHO_BUILD/series-check/src
obj=$KHO_BUILD/series-check/obj

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

if [ -d "$tree" ]; then
	git -C "$tree" am --abort >/dev/null 2>&1
	git -C "$tree" checkout -q -f --detach base && git -C "$tree" clean -fdxq
else
	git -C "$KHO_SRC" worktree prune
	git -C "$KHO_SRC" worktree add -q --detach "$tree" base
fi

mkdir -p "$obj"
cp "$KHO_TOP/configs/kho.config" "$obj/kho.config"
for p in $patches; do
	name=${p##*/}
	if ! git -C "$tree" am -q "$p" >&2; then
		ktap_result 1 "am:$name" "git am failed on a pristine base"
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
		ktap_result 0 "checkpatch:$name" "${ignore:+ignored $ignore}"
	else
		echo "$out" >&2
		# --showfile puts FILE:LINE: before each ERROR, WARNING or CHECK
		ktap_result 1 "checkpatch:$name" "$(echo "$out" | grep -cE '(^|: )(ERROR|WARNING|CHECK):') issues"
	fi
	# Build this step: tinyconfig + fragment; options a later patch adds
	# are simply unknown yet.
	if KHO_SRC=$tree KHO_OBJ=$obj bash -c '
		. "$0/scripts/common.sh"
		kmake tinyconfig >/dev/null 2>&1 &&
		cat "$KHO_OBJ/kho.config" >>"$KHO_OBJ/.config" &&
		kmake olddefconfig >/dev/null 2>&1 &&
		kmake bzImage modules' "$KHO_TOP" >"$KHO_RESULTS/series-build.log" 2>&1; then
		ktap_result 0 "build:$name"
	else
		tail -20 "$KHO_RESULTS/series-build.log" >&2
		ktap_result 1 "build:$name" "see build/results/series-build.log"
	fi
done
echo "1..$KTAP_N"
exit $KTAP_FAILED
