#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job: boot the test kernel and run a kexec chain (HOPS, default
# 3), then print a table of per-hop guest timings taken from the TSC.
set -euo pipefail
. "$(dirname "$0")/common.sh"

hops=${HOPS:-3}
json=$KHO_BUILD/logs/demo.json
mkdir -p "$KHO_BUILD/logs"
info "booting QEMU (TCG, 2 vCPUs, 1 GiB) for a ${hops}-hop kexec chain"
rc=0
python3 "$KHO_TOP/scripts/qemu-run.py" --name demo --hops "$hops" \
	--json "$json" || rc=$?

python3 - "$json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print()
print("| step | guest time | of which kernel start to init |")
print("|---|---:|---:|")
if d["boot_uptime_s"] is not None:
    print("| cold boot (host: QEMU start to init %.2f s) | - | %.0f ms |"
          % (d["boot_host_s"], d["boot_uptime_s"] * 1000))
for h in d["hops"]:
    print("| hop %d: `kexec -e` to next init | %.0f ms | %.0f ms |"
          % (h["hop"], h["hop_ms"], h["kernel_to_init_ms"]))
if d["hops"]:
    v = sorted(h["hop_ms"] for h in d["hops"])
    print("\nmedian hop: %.0f ms over %d hops (log: build/logs/demo.log)"
          % (v[len(v) // 2], len(v)))
PY
exit $rc
