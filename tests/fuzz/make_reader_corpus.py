#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_mzml_reader (tests/fuzz/corpus/mzml_reader/).

Seeds are tiny simulated runs (made with the project's own `lavoisier simulate`) and mutants of
them that reach each of the reader's paths: valid index, forced rebuild, checksum verification,
gzip (one and several members), stale and wrong index offsets, plain (non-indexed) mzML 1.0,
truncation, corrupt base64, a refused DOCTYPE.  The first byte of every seed is the target's
flags byte (see fuzz_mzml_reader.c).

usage: make_reader_corpus.py PATH/TO/lavoisier OUTDIR
"""
import gzip
import os
import re
import subprocess
import sys
import tempfile


def simulate(cli, tmp, name, *args):
    path = os.path.join(tmp, name)
    subprocess.run([cli, "simulate", *args, path], check=True, stderr=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL)
    with open(path, "rb") as f:
        return f.read()


def plain(doc):
    """The <mzML> element alone, without the indexedmzML wrapper and index."""
    start = doc.index(b"<mzML")
    end = doc.index(b"</mzML>") + len(b"</mzML>")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + doc[start:end] + b"\n"


def main():
    cli, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        z = simulate(cli, tmp, "z.mzML", "--size", "16k", "--ms1-points", "64",
                     "--ms2-per-cycle", "2")
        raw = simulate(cli, tmp, "raw.mzML", "--size", "8k", "--ms1-points", "32",
                       "--ms2-per-cycle", "1", "--no-compress", "--seed", "7")
    half = len(z) // 2
    seeds = {
        "sim_zlib": b"\x00" + z,
        "sim_zlib_rebuild": b"\x01" + z,
        "sim_zlib_checksum": b"\x02" + z,
        "sim_zlib_budget1": b"\x04" + z,
        "sim_raw_budget64": b"\x08" + raw,
        "sim_gzip": b"\x00" + gzip.compress(z, mtime=0),
        "sim_gzip_two_members": b"\x00" + gzip.compress(z[:half], mtime=0)
        + gzip.compress(z[half:], mtime=0),
        "sim_gzip_truncated": b"\x00" + gzip.compress(z, mtime=0)[:-20],
        # Seven bytes inserted before the first record: every offset is stale.
        "stale_offsets": b"\x00" + z.replace(b"<run ", b"<run        ", 1),
        "wrong_index_offset": b"\x00" + re.sub(rb"<indexListOffset>\d+",
                                               b"<indexListOffset>99999999999", z),
        "plain_mzml": b"\x00" + plain(raw),
        "plain_mzml_1_0": b"\x00" + plain(raw).replace(b'version="1.1.0"', b'version="1.0.0"'),
        "truncated_half": b"\x00" + z[:half],
        "corrupt_base64": b"\x00" + re.sub(rb"<binary>(.)", b"<binary>!", raw, count=1),
        "doctype_refused": b"\x00" + z.replace(
            b"?>", b'?>\n<!DOCTYPE mzML [<!ENTITY a "aaaa">]>', 1),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(seeds)} seeds to {out}")


if __name__ == "__main__":
    main()
