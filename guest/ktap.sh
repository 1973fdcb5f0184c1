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

# ktap_blob <name> <file>: send a file to the host through the serial log.
# scripts/qemu-run.py saves it as build/logs/<test>.<name>.
ktap_blob() {
	echo "# kho-blob: $1 begin $(wc -c <"$2") bytes"
	base64 <"$2"
	echo "# kho-blob: $1 end"
}
