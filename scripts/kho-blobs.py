#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Extract the FDT blobs a guest scenario dumped to the serial console.

Scenarios print each blob as base64 between "# kho-blob-begin: LABEL" and
"# kho-blob-end: LABEL" lines.  This writes LABEL.dtb (the last dump of each
label) into the output directory and, with --dts, prints them decoded with
dtc.  KHO FDT integers are native endian, so dtc shows them byte-swapped on
little-endian hosts; --u64 also prints every 8-byte property as a
little-endian integer.

usage: kho-blobs.py LOG [--out DIR] [--dts] [--u64]
"""

import argparse
import base64
import os
import re
import struct
import subprocess
import sys

STAMP = re.compile(r"^\[\s*[\d.]+\] ")
BEGIN = re.compile(r"^# kho-blob-begin: (\S+)")
END = re.compile(r"^# kho-blob-end: (\S+)")


def extract(path):
    blobs, label, data = {}, None, []
    with open(path, errors="replace") as fh:
        for line in fh:
            line = STAMP.sub("", line.rstrip("\r\n"))
            m = BEGIN.match(line)
            if m:
                label, data = m.group(1), []
                continue
            if label and END.match(line):
                blobs[label] = base64.b64decode("".join(data))
                label = None
                continue
            if label:
                data.append(line.strip())
    return blobs


def u64_props(blob):
    """(node path, name, value) for every 8-byte property of an FDT."""
    magic, total, off_struct, off_strings = struct.unpack(">IIII", blob[:16])
    if magic != 0xd00dfeed:
        raise ValueError("not an FDT")
    pos, path, out = off_struct, [], []
    while True:
        (tag,) = struct.unpack(">I", blob[pos:pos + 4])
        pos += 4
        if tag == 1:                        # FDT_BEGIN_NODE
            end = blob.index(b"\0", pos)
            path.append(blob[pos:end].decode())
            pos = (end + 4) & ~3
        elif tag == 2:                      # FDT_END_NODE
            path.pop()
        elif tag == 3:                      # FDT_PROP
            size, name_off = struct.unpack(">II", blob[pos:pos + 8])
            pos += 8
            end = blob.index(b"\0", off_strings + name_off)
            name = blob[off_strings + name_off:end].decode()
            if size == 8:
                (val,) = struct.unpack("<Q", blob[pos:pos + 8])
                out.append(("/".join(path) or "/", name, val))
            pos = (pos + size + 3) & ~3
        elif tag == 4:                      # FDT_NOP
            continue
        elif tag == 9:                      # FDT_END
            return out
        else:
            raise ValueError("bad FDT tag %d" % tag)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--out", default=".")
    ap.add_argument("--dts", action="store_true")
    ap.add_argument("--u64", action="store_true")
    args = ap.parse_args()

    blobs = extract(args.log)
    if not blobs:
        sys.exit("kho-blobs: no blob in %s" % args.log)
    os.makedirs(args.out, exist_ok=True)
    for label, blob in blobs.items():
        path = os.path.join(args.out, label + ".dtb")
        with open(path, "wb") as fh:
            fh.write(blob)
        print("# %s: %d bytes" % (path, len(blob)))
        if args.dts:
            sys.stdout.flush()
            subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", path],
                           check=True)
        if args.u64:
            for node, name, val in u64_props(blob):
                print("%s %s = 0x%x" % (node, name, val))


if __name__ == "__main__":
    main()
