#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job, the operator's story: boot with kho=on, preserve 256 MiB of
# random data (test_kho), finalize, kexec, and in the next kernel restore and
# verify every byte (order and xxh64 of every folio), for HOPS hops
# (default 3).  Then the same kernel and initrd kexec'd without KHO, for a
# baseline.  Prints both runs' per-hop guest timings side by side.
set -euo pipefail
. "$(dirname "$0")/common.sh"

hops=${HOPS:-3}
mem=${DEMO_MEM:-256M}
logs=$KHO_BUILD/logs
mkdir -p "$logs"
rc=0

info "KHO: $hops hops, $mem preserved and verified at every hop (QEMU TCG, 2 vCPUs, 2 GiB)"
python3 "$KHO_TOP/scripts/qemu-run.py" --name demo-kho --hops "$hops" \
	--mem 2G --scenario kho-restore --append "kho=on kho_test_mem=$mem" \
	--timeout $((90 + 60 * hops)) --json "$logs/demo-kho.json" || rc=1
info "baseline: the same kernel and initrd, plain kexec without KHO"
python3 "$KHO_TOP/scripts/qemu-run.py" --name demo-plain --hops "$hops" \
	--mem 2G --json "$logs/demo-plain.json" || rc=1

python3 - "$logs" <<'PY'
import json, re, sys
logs = sys.argv[1]
kho = json.load(open(logs + "/demo-kho.json"))
plain = json.load(open(logs + "/demo-plain.json"))
restored = re.findall(r"test_kho: restored (\d+) folios, (\d+) bytes: (\d+) bad",
                      open(logs + "/demo-kho.log").read())
pl = {h["hop"]: h for h in plain["hops"]}
print()
print("| hop | verified in the next kernel | KHO: `kexec -e` to init | plain kexec | KHO / plain |")
print("|---|---|---:|---:|---:|")
for h in kho["hops"]:
    p = pl.get(h["hop"])
    r = restored[h["hop"] - 1] if h["hop"] <= len(restored) else None
    ver = ("%s folios, %d MiB, %s bad" % (r[0], int(r[1]) >> 20, r[2])
           if r else "not verified")
    print("| %d | %s | %.0f ms | %s | %s |" % (
        h["hop"], ver, h["hop_ms"],
        "%.0f ms" % p["hop_ms"] if p else "-",
        "%.2f" % (h["hop_ms"] / p["hop_ms"]) if p else "-"))
print("\nGuest time from just before `kexec -e` to the next /init, from the TSC."
      "\nSingle runs under TCG on a shared host: read the ratio, not the ms."
      "\nLogs: build/logs/demo-kho.log, build/logs/demo-plain.log")
PY
exit $rc
