#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the seed corpus of the handover fuzzer (fuzz/kho_fuzz.c).

Valid handovers of several shapes, and each corruption the KUnit suite
(kernel/kexec_handover_test.c) knows, applied to the first shape.  The
layout is the KUnit one: pages 0 FDT, 1 scratch list, 2-5 chunks and
bitmaps, folios from page 8, scratch regions at pages 24-31.

usage: mkcorpus.py DIR
"""
import os
import struct
import sys

BASE = 1 << 30
PAGE = 4096
NPAGES = 32
MAX_ORDER = 10
ENTRIES = (PAGE - 16) // 16


def phys(page):
    return BASE + page * PAGE


def fdt(map_phys, sub_phys=phys(12), compatible=b"kho-v1"):
    """A KHO root FDT: compatible, preserved-memory-map, one subsystem."""
    strings = b""
    offs = {}

    def name(n):
        nonlocal strings
        if n not in offs:
            offs[n] = len(strings)
            strings += n + b"\0"
        return offs[n]

    def pad(b):
        return b + b"\0" * (-len(b) % 4)

    def prop(n, val):
        return struct.pack(">III", 3, len(val), name(n)) + pad(val)

    st = struct.pack(">I", 1) + pad(b"\0")
    st += prop(b"compatible", compatible + b"\0")
    st += prop(b"preserved-memory-map", struct.pack("<Q", map_phys))
    st += struct.pack(">I", 1) + pad(b"subsystem\0")
    st += prop(b"fdt", struct.pack("<Q", sub_phys))
    st += struct.pack(">II", 2, 2) + struct.pack(">I", 9)
    rsv = b"\0" * 16
    off_rsv = 40
    off_st = off_rsv + len(rsv)
    off_str = off_st + len(st)
    total = off_str + len(strings)
    hdr = struct.pack(">10I", 0xd00dfeed, total, off_st, off_str, off_rsv,
                      17, 16, 0, len(strings), len(st))
    return hdr + rsv + st + strings


class Handover:
    def __init__(self):
        self.mem = bytearray(NPAGES * PAGE)
        self.fdt_phys, self.fdt_len = phys(0), PAGE
        self.scratch_phys, self.scratch_len = phys(1), 32
        self.reserved = 0
        self.nomem_at = 0
        self.put(1, 0, struct.pack("<4Q", phys(24), 4 * PAGE,
                                   phys(28), 4 * PAGE))

    def put(self, page, off, data):
        at = page * PAGE + off
        self.mem[at:at + len(data)] = data

    def set_fdt(self, *args, **kw):
        self.put(0, 0, b"\0" * PAGE)
        self.put(0, 0, fdt(*args, **kw))

    def chunk(self, page, order, bitmaps, nxt):
        """bitmaps: [(phys_start, bitmap page)]"""
        data = struct.pack("<QII", nxt, order, len(bitmaps))
        for start, bpage in bitmaps:
            data += struct.pack("<QQ", start, phys(bpage))
        self.put(page, 0, data)

    def bits(self, page, *nums):
        b = bytearray(self.mem[page * PAGE:(page + 1) * PAGE])
        for n in nums:
            b[n // 8] |= 1 << (n % 8)
        self.put(page, 0, bytes(b))

    def blob(self):
        hdr = struct.pack("<5QB7x", self.fdt_phys, self.fdt_len,
                          self.scratch_phys, self.scratch_len,
                          self.reserved, self.nomem_at)
        return hdr + bytes(self.mem)


def kunit_shape():
    """Order-0 folios at pages 8-11 and 14, order-1 folios at 16-19."""
    h = Handover()
    h.set_fdt(phys(2))
    h.chunk(2, 0, [(BASE, 3)], phys(4))
    h.bits(3, 8, 9, 10, 11, 14)
    h.chunk(4, 1, [(BASE, 5)], 0)
    h.bits(5, 8, 9)
    return h


def shapes():
    yield "valid-kunit", kunit_shape()

    h = Handover()
    h.set_fdt(0)
    yield "valid-empty-map", h

    h = kunit_shape()
    h.bits(3, 0)
    yield "valid-fdt-folio", h

    h = Handover()
    h.set_fdt(phys(2))
    h.chunk(2, 0, [(BASE, 3)], phys(4))
    h.bits(3, 20, 21, 23)
    h.chunk(4, 2, [(BASE, 5)], phys(6))
    h.bits(5, 4)		# pages 16-19
    h.chunk(6, 3, [(BASE, 7)], 0)
    h.bits(7, 1)		# pages 8-15
    yield "valid-three-orders", h

    h = kunit_shape()
    h.reserved = 1 << 20
    yield "valid-reserved-elsewhere", h


def corrupt(name, fn):
    h = kunit_shape()
    fn(h)
    return "bad-" + name, h


def corruptions():
    def c0(h):
        return h.mem[2 * PAGE:3 * PAGE]

    cases = {
        "magic": lambda h: h.put(0, 0, struct.pack(">I", 0xd00dfeee)),
        "totalsize": lambda h: h.put(0, 4, struct.pack(">I", 2 * PAGE)),
        "structure": lambda h: h.put(0, 56, struct.pack(">I", 0x77)),
        # found by the fuzzer: libfdt reads tags in place, misaligned
        "struct-misaligned": lambda h: h.put(0, 8, struct.pack(">I", 57)),
        "compatible": lambda h: h.set_fdt(phys(2), compatible=b"kho-v0"),
        # another version is refused as such, before its scratch list is
        # read: mainline 7.2's kho-v4 has another layout
        "version-v4": lambda h: (h.set_fdt(phys(2), compatible=b"kho-v4"),
                                 h.put(1, 0, struct.pack("<Q", phys(0)))),
        "version-family": lambda h: h.set_fdt(phys(2), compatible=b"kho-x1"),
        "version-leading-zero": lambda h: h.set_fdt(phys(2),
                                                    compatible=b"kho-v01"),
        "version-too-big": lambda h: h.set_fdt(phys(2),
                                               compatible=b"kho-v99999999999"),
        "version-unprintable": lambda h: h.set_fdt(phys(2),
                                                   compatible=b"k\x01o" * 20),
        "fdt-misaligned": lambda h: setattr(h, "fdt_phys", phys(0) + 8),
        "fdt-too-big": lambda h: setattr(h, "fdt_len", 17 * PAGE),
        "chunk-loop": lambda h: h.chunk(4, 1, [(BASE, 5)], phys(2)),
        "chunk-in-scratch": lambda h: (h.put(24, 0, bytes(c0(h))),
                                       h.set_fdt(phys(24))),
        "chunk-order": lambda h: h.put(2, 8, struct.pack("<I", MAX_ORDER + 1)),
        "chunk-overfull": lambda h: h.put(2, 12, struct.pack("<I", ENTRIES + 1)),
        "bitmap-misaligned": lambda h: h.put(2, 16, struct.pack("<Q", BASE + PAGE)),
        "bitmap-outside-ram": lambda h: h.put(2, 24, struct.pack("<Q", phys(NPAGES))),
        "folio-in-scratch": lambda h: h.bits(3, 31),
        "folio-outside-ram": lambda h: h.bits(3, NPAGES),
        "scratch-truncated": lambda h: setattr(h, "scratch_len", 28),
        "scratch-overlap": lambda h: h.put(1, 16, struct.pack("<Q", phys(26))),
        "scratch-outside-ram": lambda h: h.put(1, 24, struct.pack("<Q", 8 * PAGE)),
        "scratch-over-fdt": lambda h: h.put(1, 0, struct.pack("<Q", phys(0))),
        "folio-in-reserved": lambda h: setattr(h, "reserved", 1 << 9),
        "chunk-in-reserved": lambda h: setattr(h, "reserved", 1 << 4),
        "folio-over-scratch-list": lambda h: h.bits(3, 1),
        "order1-over-fdt": lambda h: h.bits(5, 0),
        "bitmap-twice": lambda h: h.chunk(2, 0, [(BASE, 3), (BASE, 3)], phys(4)),
        "chunk-own-bitmap": lambda h: h.chunk(2, 0, [(BASE, 2)], phys(4)),
        "chunk-other-bitmap": lambda h: h.chunk(4, 1, [(BASE, 2)], 0),
        "cross-order": lambda h: h.bits(3, 17),
        "folio-over-map": lambda h: h.bits(3, 5),
        "nomem": lambda h: setattr(h, "nomem_at", 4),
        "fdt-reserved": lambda h: setattr(h, "reserved", 1),
        "fdt-low-1m": lambda h: setattr(h, "fdt_phys", 0x1000),
        "scratch-list-over-fdt": lambda h: setattr(h, "scratch_phys", phys(0)),
    }
    for name, fn in cases.items():
        yield corrupt(name, fn)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    n = 0
    for name, h in list(shapes()) + list(corruptions()):
        with open(os.path.join(out, name + ".bin"), "wb") as fh:
            fh.write(h.blob())
        n += 1
    print("wrote %d seeds to %s" % (n, out))


if __name__ == "__main__":
    main()
