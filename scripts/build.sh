#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Set up, apply the overlay, configure (tinyconfig + configs/kho.config) and
# build bzImage and modules in build/obj.  Incremental: only what changed
# since the last run is rebuilt.
set -euo pipefail
. "$(dirname "$0")/common.sh"

"$KHO_TOP/scripts/setup.sh"
"$KHO_TOP/scripts/base.sh"
python3 "$KHO_TOP/scripts/overlay.py" apply
mkdir -p "$KHO_OBJ" "$CCACHE_DIR"

frag=$KHO_TOP/configs/kho.config
stamp=$KHO_OBJ/.kho-config-stamp
want=$(cat "$frag" "$KHO_SRC/kernel/Kconfig.kexec" | sha256sum)
if [ ! -f "$KHO_OBJ/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	info "configuring: tinyconfig + configs/kho.config"
	kmake tinyconfig >/dev/null
	cat "$frag" >>"$KHO_OBJ/.config"
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
				echo "kho: error: $line requested by configs/kho.config" \
					"did not survive olddefconfig (missing dependency?)" >&2
				bad=1
			fi ;;
		esac
	done <"$frag"
	[ $bad -eq 0 ] || die "kernel configuration incomplete"
	echo "$want" >"$stamp"
fi

info "building bzImage and modules in $KHO_OBJ"
kmake ${KHO_MAKEFLAGS:-} bzImage modules
# External modules (tools/testing/selftests/kho/*/), built as any
# out-of-tree module is: make -C <src> O=<obj> M=<dir> modules
for m in "$KHO_TOP"/tools/testing/selftests/kho/*/Makefile; do
	[ -f "$m" ] || continue
	kmake M="$(dirname "$m")" modules
done
info "built $(cat "$KHO_OBJ/include/config/kernel.release") ($KHO_OBJ/arch/x86/boot/bzImage)"
