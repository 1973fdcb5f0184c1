#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the seed corpus of the memfd record fuzzer (fuzz/memfd_fuzz.c).

Records as kernels of the series write them ("valid-*", which the checks
must accept) and a corruption of each kind the KUnit suite
(mm/memfd_luo_test.c) knows ("bad-*").

An input: struct memfd_fuzz_hdr (the page cache's largest order, then
padding), struct memfd_luo_ser (include/linux/kho/abi/memfd.h), then
entries of struct memfd_luo_folio and the order of the folio KHO restores
there (one byte, then padding).

usage: mkcorpus_memfd.py DIR
"""
import os
import struct
import sys

PAGE = 4096
HUGE = 9
SEALS = 0x3f
NOEXEC = 1
DIRTY, UPTODATE = 1, 2


def record(size, entries, max_order=HUGE, pos=0, seals=SEALS, flags=NOEXEC,
           nr=None, table_pages=None, table_order=0):
    """entries: [(index, order, flags)]"""
    nr = len(entries) if nr is None else nr
    if table_pages is None:
        table_pages = -(-nr * 16 // PAGE)
    first = PAGE if nr else 0
    blob = struct.pack("<B7x", max_order)
    blob += struct.pack("<QQIIQQIHH", pos, size, seals, flags, nr, first,
                        table_pages, table_order, 0)
    for i, (index, order, fl) in enumerate(entries):
        pfn = 0x100000 + i * 512
        blob += struct.pack("<QQB7x", pfn | fl << 52, index, order)
    return blob


def up(entries):
    return [(i, o, UPTODATE | DIRTY) for i, o in entries]


def seeds():
    mib3 = 3 << 20
    small = [(512 + i, 0) for i in range(256)]
    yield "valid-empty", record(0, [])
    yield "valid-sparse-empty", record(1 << 30, [])
    yield "valid-3m-huge-and-small", record(mib3, up([(0, 9)] + small))
    yield "valid-small", record(5 * PAGE + 1, up([(i, 0) for i in range(6)]))
    yield "valid-hole", record(1 << 20, up([(0, 0), (100, 2)]))
    yield "valid-fallocated", record(PAGE, [(0, 0, 0)])
    yield "valid-no-thp", record(PAGE, up([(0, 0)]), max_order=0)
    # What kernels up to v6.12.117-kho1 wrote: a last huge folio past EOF
    yield "valid-old-3m-past-eof", record(mib3, up([(0, 9), (512, 9)]))
    yield "valid-old-4k-huge", record(PAGE, up([(0, 9)]))
    good = up([(0, 9)] + small)
    bad = {
        "over-uint-max-pages": record(((1 << 32) - 1) * PAGE + 1, good),
        "size-wraps": record((1 << 64) - 1, good),
        "negative-pos": record(mib3, good, pos=1 << 63),
        "unknown-seal": record(mib3, good, seals=0x40),
        "unknown-flag": record(mib3, good, flags=2),
        "too-many-folios": record(PAGE, up([(0, 0), (1, 0)])),
        "table-order": record(mib3, good, table_order=11),
        "table-small": record(mib3, good, table_pages=1),
        "index-wraps": record(mib3, up([(0, 9), ((1 << 64) - 512, 9)])),
        "index-at-end": record(mib3, up([(768, 0)])),
        "past-end-after-huge": record(mib3, up([(0, 9), (512, 9),
                                                (1024, 0)])),
        "order-above-max": record(4 << 20, up([(0, 10)])),
        "huge-without-thp": record(mib3, up([(0, 0), (2, 1)]), max_order=0),
        "misaligned": record(mib3, up([(256, 9)])),
        "overlap": record(mib3, up([(0, 9), (256, 0)])),
        "same-index": record(mib3, up([(5, 0), (5, 0)])),
        "decreasing": record(mib3, up([(3, 0), (7, 0), (4, 0)])),
        "folio-flags": record(mib3, [(0, 0, UPTODATE | 4)]),
        "table-short": record(mib3, up([(0, 9)]), nr=3),
    }
    for name, blob in bad.items():
        yield "bad-" + name, blob


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    n = 0
    for name, blob in seeds():
        with open(os.path.join(out, name + ".bin"), "wb") as fh:
            fh.write(blob)
        n += 1
    print("wrote %d seeds to %s" % (n, out))


if __name__ == "__main__":
    main()
