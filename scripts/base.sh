#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unpack Debian's linux-source-6.12 at $KHO_BASE_VER into $KHO_SRC (build/src)
# as a git repository whose first commit (tagged "base") is the pristine
# tree.  Does nothing when that base is there already; a tree on another
# base is unpacked anew.
set -euo pipefail
. "$(dirname "$0")/common.sh"

# One unpack at a time: a second run waits, then finds the base ready.
mkdir -p "$KHO_BUILD"
exec 9>"$KHO_BUILD/.base.lock"
flock 9

if git -C "$KHO_SRC" rev-parse -q --verify base >/dev/null 2>&1; then
	have=$(git -C "$KHO_SRC" log -1 --format=%s base)
	case "$have" in
	*"($KHO_BASE_PKG $KHO_BASE_VER)") exit 0 ;;
	esac
	[ -z "$(git -C "$KHO_SRC" status --porcelain --ignored 2>/dev/null)" ] ||
		die "$KHO_SRC has edits and is on another base ($have); run 'make refresh' to keep them or 'make reset-src' to drop them, then again"
	info "$KHO_SRC is on another base ($have); unpacking $KHO_BASE_VER"
fi

[ -r "$KHO_BASE_TARBALL" ] ||
	die "$KHO_BASE_TARBALL missing; run scripts/setup.sh"

info "unpacking $KHO_BASE_TARBALL into $KHO_SRC (once)"
rm -rf "$KHO_SRC" "$KHO_SRC.tmp"
mkdir -p "$KHO_SRC.tmp"
tar -C "$KHO_SRC.tmp" --strip-components=1 -xf "$KHO_BASE_TARBALL"
cd "$KHO_SRC.tmp"
git init -q -b base-branch
git config user.name "KHO harness"
git config user.email "kho@localhost"
git config core.autocrlf false
git config gc.auto 0
# The tarball ships a .gitignore that hides nothing we need; keep it.
git add -A -f .
git commit -q -m "Linux $(make -s kernelversion) pristine base ($KHO_BASE_PKG $KHO_BASE_VER)"
git tag base
cd - >/dev/null
mv "$KHO_SRC.tmp" "$KHO_SRC"
info "base ready: $(git -C "$KHO_SRC" log -1 --format=%s base)"
