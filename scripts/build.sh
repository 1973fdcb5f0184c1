#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Set up, apply the overlay, configure (tinyconfig + configs/kho.config) and
# build bzImage and modules in build/obj.  Incremental: only what changed
# since the last run is rebuilt.
#
# Other builds of the same tree (check-debug, check-distro) set:
#   KHO_OBJ          the O= directory
#   KHO_CONFIG_BASE  "tinyconfig" (default) or a config file (.xz too)
#   KHO_FRAGMENTS    fragment files applied on top, in order
#   KHO_TARGETS      make targets (default "bzImage modules"); the external
#                    modules are built only with "modules"
set -euo pipefail
. "$(dirname "$0")/common.sh"

# KHO_NO_APPLY=1: the caller has applied the overlay already and other
# work may be using build/src (a build started early in the background by
# check.sh): leave it alone
if [ -z "${KHO_NO_APPLY:-}" ]; then
	"$KHO_TOP/scripts/setup.sh"
	"$KHO_TOP/scripts/base.sh"
	python3 "$KHO_TOP/scripts/overlay.py" apply
fi
mkdir -p "$KHO_OBJ" "$CCACHE_DIR"

base=${KHO_CONFIG_BASE:-tinyconfig}
frags=${KHO_FRAGMENTS:-$KHO_TOP/configs/kho.config}
targets=${KHO_TARGETS:-bzImage modules}
stamp=$KHO_OBJ/.kho-config-stamp
basecat() { case "$base" in *.xz) xzcat "$base" ;; *) cat "$base" ;; esac; }
if [ "$base" = tinyconfig ]; then
	want=$(cat $frags "$KHO_SRC/kernel/Kconfig.kexec" | sha256sum)
else
	[ -f "$base" ] || die "no base config $base"
	want=$({ basecat; cat $frags "$KHO_SRC/kernel/Kconfig.kexec"; } | sha256sum)
fi
if [ ! -f "$KHO_OBJ/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	info "configuring: $(basename "$base") + $(for f in $frags; do printf '%s ' "${f#"$KHO_TOP"/}"; done)"
	if [ "$base" = tinyconfig ]; then
		kmake tinyconfig >/dev/null
	else
		basecat >"$KHO_OBJ/.config"
	fi
	cat $frags >>"$KHO_OBJ/.config"
	kmake olddefconfig 2>&1 | grep -v "override: reassigning" >&2 || true
	bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=n)
			opt=${line%=n}
			if grep -q "^$opt=" "$KHO_OBJ/.config"; then
				echo "kho: error: $opt should be off but is on" >&2
				bad=1
			fi ;;
		CONFIG_*=*)
			if ! grep -qx "$line" "$KHO_OBJ/.config"; then
				echo "kho: error: $line requested by the config fragments" \
					"did not survive olddefconfig (missing dependency?)" >&2
				bad=1
			fi ;;
		esac
	done < <(for f in $frags; do cat "$f"; done)
	[ $bad -eq 0 ] || die "kernel configuration incomplete"
	echo "$want" >"$stamp"
fi

info "building $targets in $KHO_OBJ"
kmake ${KHO_MAKEFLAGS:-} $targets
# External modules (tools/testing/selftests/kho/*/), built as any
# out-of-tree module is: make -C <src> O=<obj> M=<dir> modules, each from
# a copy of its directory under <obj>/ext, so that builds for different
# kernels (which may run at the same time) never share its objects
case " $targets " in
*" modules "*)
	for m in "$KHO_TOP"/tools/testing/selftests/kho/*/Makefile; do
		[ -f "$m" ] || continue
		src=$(dirname "$m")
		ext=$KHO_OBJ/ext/$(basename "$src")
		mkdir -p "$ext"
		for f in "$src"/Makefile "$src"/*.c; do
			cmp -s "$f" "$ext/${f##*/}" || cp "$f" "$ext/"
		done
		kmake M="$ext" modules
	done ;;
esac
info "built $(cat "$KHO_OBJ/include/config/kernel.release") ($KHO_OBJ/arch/x86/boot/bzImage)"
