#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark of the KHO tracker and preserve API.  Boots RUNS (default 3)
# guests with kho=on; in each, the kexec_handover_bench module measures
# (ktime around the loops) and prints "kho-bench:" lines.  Prints the
# median of every figure with its spread (min-max) as a markdown table,
# also written to build/bench/core.md.
set -euo pipefail
. "$(dirname "$0")/common.sh"

runs=${RUNS:-3}
mkdir -p "$KHO_BUILD/bench"
logs=()
for i in $(seq "$runs"); do
	info "bench-core: run $i of $runs"
	python3 "$KHO_TOP/scripts/qemu-run.py" --name "bench-core-$i" --hops 0 \
		--scenario kho-bench --append kho=on >/dev/null ||
		die "benchmark guest failed; see build/logs/bench-core-$i.log"
	logs+=("$KHO_BUILD/logs/bench-core-$i.log")
done

python3 - "${logs[@]}" <<'PY' | tee "$KHO_BUILD/bench/core.md"
import re, statistics, sys
vals = {}
for path in sys.argv[1:]:
    for line in open(path, errors="replace"):
        m = re.search(r"# kho-bench: (\S+) (.*)", line)
        if not m:
            continue
        kv = dict(f.split("=", 1) for f in m.group(2).split())
        what = m.group(1)
        key = (what, kv.get("order") or kv.get("layout"))
        for metric in ("ns_per_folio", "bits_per_page", "bytes", "ns",
                       "map_bytes"):
            if metric in kv:
                vals.setdefault(key + (metric,), []).append(float(kv[metric]))
        if "pages" in kv:
            vals.setdefault(key + ("pages",), []).append(float(kv["pages"]))

def num(x):
    return "%d" % x if x == int(x) else "%.3f" % x

def fmt(k):
    v = vals.get(k)
    if not v:
        return "-"
    med = statistics.median(v)
    if min(v) == max(v):
        return num(med)
    return "%s (%s-%s)" % (num(med), num(min(v)), num(max(v)))

n = len(sys.argv) - 1
print("KHO tracker benchmark: median (min-max) of %d boots, QEMU TCG\n" % n)
print("| operation | folio | ns per folio |")
print("|---|---|---:|")
for what, label in (("preserve", "tracker"), ("unpreserve", "tracker"),
                    ("api-preserve", "kho_preserve_folio"),
                    ("api-unpreserve", "kho_unpreserve_folio")):
    for order, size in (("0", "4 KiB"), ("9", "2 MiB")):
        print("| %s (%s) | %s | %s |" % (what.replace("api-", ""), label,
                                        size, fmt((what, order,
                                                   "ns_per_folio"))))
print("\n| layout | preserved pages | tracker bytes | bits per page (limit 1) | serialized map bytes | serialize ns |")
print("|---|---:|---:|---:|---:|---:|")
for layout in ("dense", "sparse", "random"):
    print("| %s | %s | %s | %s | %s | %s |" % (
        layout, fmt(("tracker", layout, "pages")),
        fmt(("tracker", layout, "bytes")),
        fmt(("tracker", layout, "bits_per_page")),
        fmt(("serialize", layout, "map_bytes")),
        fmt(("serialize", layout, "ns"))))
PY
