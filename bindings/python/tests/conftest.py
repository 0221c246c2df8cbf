"""Shared fixtures: a simulated run (always available), the real data folder (skips without it),
an independent pure-Python mzML decoder (the oracle for round trips), and skip markers for
operations the loaded library does not export yet."""
import base64
import json
import os
import pathlib
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import pytest

import lavoisier_core as lc

REPO = pathlib.Path(__file__).resolve().parents[3]
DATA_DIR = pathlib.Path(os.environ.get("LV_DATA_DIR", REPO.parent / "shared" / "data" / "mzml"))

_OPS = lc.available_operations()


def needs(op):
    """Skip marker for an operation whose C functions the loaded library lacks."""
    symbol = {"writer": "lv_writer_open"}.get(op, "lv_" + op)
    return pytest.mark.skipif(not _OPS[op], reason="%s does not export %s yet (declared in "
                              "lavoisier.h, implementation not merged)" % (lc.library_path, symbol))


@pytest.fixture(scope="session")
def data_dir():
    if not DATA_DIR.is_dir():
        pytest.skip("real data not present: %s" % DATA_DIR)
    return DATA_DIR


@pytest.fixture(scope="session")
def ground_truth(data_dir):
    with open(data_dir / "ground_truth.json") as f:
        return {entry["file"]: entry for entry in json.load(f)["files"]}


@pytest.fixture(scope="session")
def sim_file(tmp_path_factory):
    """A 3 MB simulated LC-MS/MS run (MS1 profile + MS2 centroid, zlib)."""
    path = tmp_path_factory.mktemp("sim") / "run.mzML"
    lc.simulate(str(path), target_bytes=3 << 20, seed=11)
    return str(path)


@pytest.fixture(scope="session")
def sim_small(tmp_path_factory):
    """A small simulated run (few spectra of 2,000 points) for loops of thousands of opens."""
    path = tmp_path_factory.mktemp("simsmall") / "small.mzML"
    lc.simulate(str(path), target_bytes=200_000, seed=5, ms1_points=2000, ms2_per_cycle=2)
    return str(path)


NS = "{http://psi.hupo.org/ms/mzml}"


def decode_mzml(path):
    """Independent decoder (ElementTree + base64 + zlib + numpy): a list of dicts per spectrum
    with id, ms_level, rt (seconds), representation, mz, intensity.  Handles what the simulator
    writes (32/64-bit floats, zlib or none)."""
    out = []
    for _, el in ET.iterparse(path, events=("end",)):
        if el.tag != NS + "spectrum":
            continue
        rec = {"id": el.get("id"), "ms_level": 0, "rt": float("nan"), "representation": 0}
        for cv in el.iter(NS + "cvParam"):
            acc = cv.get("accession")
            if acc == "MS:1000511":
                rec["ms_level"] = int(cv.get("value"))
            elif acc == "MS:1000128":
                rec["representation"] = 1
            elif acc == "MS:1000127":
                rec["representation"] = 2
            elif acc == "MS:1000016":
                scale = 60.0 if cv.get("unitAccession") == "UO:0000031" else 1.0
                rec["rt"] = float(cv.get("value")) * scale
        for bda in el.iter(NS + "binaryDataArray"):
            accs = {cv.get("accession") for cv in bda.findall(NS + "cvParam")}
            raw = base64.b64decode(bda.find(NS + "binary").text or "")
            if "MS:1000574" in accs:
                raw = zlib.decompress(raw)
            dtype = np.float64 if "MS:1000523" in accs else np.float32
            values = np.frombuffer(raw, dtype="<" + np.dtype(dtype).char)
            if "MS:1000514" in accs:
                rec["mz"] = values.astype(np.float64)
            elif "MS:1000515" in accs:
                rec["intensity"] = values.astype(np.float32)
        out.append(rec)
        el.clear()
    return out
