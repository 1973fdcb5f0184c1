#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make rebase KHO_BASE_VER=VERSION: move the series onto another Debian
# linux-source-6.12 (the next 6.12 stable release, usually).
#
# Fetches VERSION, unpacks it into build/src, applies the overlay to it,
# writes the patches back with their new offsets, makes VERSION the
# default base and the old default the previous one (scripts/common.sh),
# and builds.  A patch that no longer applies stops it, naming the file:
# fix it by hand in build/src (the rest of the overlay is applied), then
# "make refresh" and run this again.  Then "make check" (its series check
# applies and builds every patch on the new base) and commit.
set -euo pipefail
. "$(dirname "$0")/common.sh"

new=${1:-}
old=$KHO_BASE_DEFAULT
[ -n "$new" ] || die "usage: make rebase KHO_BASE_VER=VERSION (one of: $(apt-cache madison "$KHO_BASE_PKG" | awk -F'|' '{ gsub(/ /, "", $2); printf "%s ", $2 }'))"
[ "$new" != "$old" ] || die "$new is the default base already"

"$KHO_TOP/scripts/setup.sh" --base "$new"
export KHO_BASE_VER=$new
"$KHO_TOP/scripts/base.sh"
python3 "$KHO_TOP/scripts/overlay.py" apply
python3 "$KHO_TOP/scripts/overlay.py" refresh
sed -i -e "s/^KHO_BASE_DEFAULT=.*/KHO_BASE_DEFAULT=$new/" \
	-e "s/^KHO_BASE_PREV=.*/KHO_BASE_PREV=$old/" "$KHO_TOP/scripts/common.sh"
info "default base: $new (previous: $old); building"
"$KHO_TOP/scripts/build.sh"
info "rebased onto $new; now run 'make check' and commit"
