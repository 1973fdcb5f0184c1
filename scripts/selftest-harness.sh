#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The harness must catch faults, not hide them.  Each case injects one
# fault and passes only if the harness reports exactly that failure:
#   broken_patch  a .patch that does not apply stops the build, naming it
#   guest_hang    a guest that hangs is killed at the timeout, counted failed
#   guest_panic   a guest that panics is counted failed
#   dmesg_echo    a scenario's echo of a dmesg line ("# [ts] ...") whose
#                 timestamp is later than the console's last kernel line
#                 (a message below the console loglevel) is not taken for
#                 a kernel message cutting into the line, so the result
#                 line after it stays a result
# Prints KTAP.
set -uo pipefail
. "$(dirname "$0")/common.sh"


tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "KTAP version 1"
echo "# Subtest: harness-faults"
echo "1..4"

# A copy of the overlay plus one patch whose context is not in the base.
# Applying stops before the work tree is touched, so the real build/src is
# safe to use.
git -C "$tmp" init -q
(cd "$KHO_TOP" && git ls-files -z --cached --others --exclude-standard) |
	(cd "$KHO_TOP" && xargs -0 cp --parents -t "$tmp")
mkdir -p "$tmp/mm"
cat >"$tmp/mm/memblock.c.patch" <<'PATCH'
diff --git a/mm/memblock.c b/mm/memblock.c
--- a/mm/memblock.c
+++ b/mm/memblock.c
@@ -1,3 +1,4 @@
 this line is not in the base
+so this hunk cannot apply
 neither is this one
 nor this
PATCH
before=$(git -C "$KHO_SRC" rev-parse HEAD)
KHO_OVERLAY=$tmp python3 "$KHO_TOP/scripts/overlay.py" apply >"$tmp/out" 2>&1
rc=$?
after=$(git -C "$KHO_SRC" rev-parse HEAD)
if [ $rc -ne 0 ] && grep -q "overlay patch mm/memblock.c.patch does not apply" "$tmp/out" &&
	[ "$before" = "$after" ]; then
	ktap_result 0 broken_patch "stopped: $(head -1 "$tmp/out")"
else
	ktap_result 1 broken_patch "rc=$rc, tree moved: $([ "$before" != "$after" ] && echo yes || echo no): $(head -3 "$tmp/out" | tr '\n' ' ')"
fi

# qemu_fault NAME FAULT EXPECTED-FAILURE
qemu_fault() {
	python3 "$KHO_TOP/scripts/qemu-run.py" --name "fault-$2" --hops 1 \
		--append "fault=$2" --timeout 15 >"$tmp/$2.tap" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && grep -q "^not ok [0-9]* $3" "$tmp/$2.tap"; then
		ktap_result 0 "$1" "detected: $(grep "^not ok [0-9]* $3" "$tmp/$2.tap" | cut -c1-120)"
	else
		ktap_result 1 "$1" "rc=$rc, not reported as $3"
	fi
}
qemu_fault guest_hang hang no_timeout
qemu_fault guest_panic panic no_panic_or_oops

# The serial lines of a generation as CI saw them in luo-faults: the
# console printed up to 1.35 s, the scenario then echoed dmesg, with a
# KERN_DEBUG line at 1.358 that the console never printed
got=$(python3 - "$KHO_TOP/scripts" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("qr", sys.argv[1] + "/qemu-run.py")
qr = importlib.util.module_from_spec(spec)
spec.loader.exec_module(qr)
r = qr.Rejoin()
out = []
for line in ["[    1.350000] Run /init as init process",
             "# [    0.763279] liveupdate: refusing the handed-over state",
             "# [    1.358438]     luo_why=no_valid_liveupdate-number",
             "ok 2 state_refused"]:
    out += r.feed(line)
out += r.flush()
print("|".join(out))
PY
)
want="[    1.350000] Run /init as init process|# [    0.763279] liveupdate: refusing the handed-over state|# [    1.358438]     luo_why=no_valid_liveupdate-number|ok 2 state_refused"
ktap_result "$([ "$got" = "$want" ]; echo $?)" dmesg_echo "${got:0:300}"
exit $KTAP_FAILED
