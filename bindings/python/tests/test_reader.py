"""Reader round trips: the package's arrays against an independent pure-Python decoder of the same
file, and against the independently decoded ground truth of the real files."""
import math

import numpy as np
import pytest

import lavoisier_core as lc
from conftest import decode_mzml


@pytest.fixture(scope="module")
def oracle(sim_file):
    return decode_mzml(sim_file)


def test_info(sim_file, oracle):
    with lc.open(sim_file, verify_checksum=True) as r:
        info = r.info
        assert info.n_spectra == len(oracle) == len(r)
        assert info.index_state == "valid" and info.checksum_state == "matches"
        assert info.mzml_version == "1.1.0" and not info.gzip
        assert info.file_bytes == info.compressed_bytes > 0


def test_streaming_batches_equal_independent_decode(sim_file, oracle):
    with lc.Context("cpu", threads=2) as ctx, lc.open(sim_file, context=ctx,
                                                      batch_points=50_000) as r:
        seen = 0
        n_batches = 0
        for batch in r:
            n_batches += 1
            assert batch.kind == "spectrum"
            off = batch.offsets
            assert off[0] == 0 and off[-1] == batch.n_points == batch.mz.size
            assert np.all(np.diff(off.astype(np.int64)) >= 0)
            for i, s in enumerate(batch):
                ref = oracle[seen + i]
                assert s.index == seen + i and s.id == ref["id"]
                assert s.ms_level == ref["ms_level"] and s.representation in ("profile",
                                                                              "centroid")
                assert {"profile": 1, "centroid": 2}[s.representation] == ref["representation"]
                assert s.rt == pytest.approx(ref["rt"], rel=1e-12)
                np.testing.assert_array_equal(s.mz, ref["mz"])
                np.testing.assert_array_equal(s.intensity, ref["intensity"])
            seen += len(batch)
        assert seen == len(oracle) and n_batches > 1


def test_random_access(sim_file, oracle):
    with lc.open(sim_file) as r:
        n = len(r)
        for i in (0, 1, n // 2, n - 1, -1):
            mz, intensity = r[i]
            ref = oracle[i]
            np.testing.assert_array_equal(mz, ref["mz"])
            np.testing.assert_array_equal(intensity, ref["intensity"])
        with pytest.raises(IndexError):
            r[n]
        b = r[3:7]
        assert len(b) == 4 and b.ids == [o["id"] for o in oracle[3:7]]
        assert list(b.index) == [3, 4, 5, 6]
        # streaming from the middle
        first = next(r.batches(start=n - 2))
        assert first.ids[0] == oracle[n - 2]["id"]


def test_by_id_and_by_rt(sim_file, oracle):
    with lc.open(sim_file) as r:
        ref = oracle[len(oracle) // 3]
        s = r.by_id(ref["id"])
        assert s.id == ref["id"] and r.find_id(ref["id"]) == len(oracle) // 3
        np.testing.assert_array_equal(s.intensity, ref["intensity"])
        with pytest.raises(lc.LavoisierError) as e:
            r.by_id("no such id")
        assert e.value.name == "LV_ERR_NOT_FOUND"

        rts = np.array([o["rt"] for o in oracle])
        t = (rts[10] + rts[11]) / 2 + 1e-6  # nearer to spectrum 11
        assert r.by_rt(t).index == int(np.argmin(np.abs(rts - t)))
        lo, hi = rts[5], rts[20]
        window = r.by_rt(lo, hi)
        expected = np.nonzero((rts >= lo) & (rts <= hi))[0]
        assert list(window.index) == list(expected)
        assert len(r.by_rt(rts[-1] + 100, rts[-1] + 200)) == 0
        assert r.by_rt(-5).index == 0


def test_chromatograms(sim_file):
    with lc.open(sim_file) as r:
        chrom = r.chromatograms()
        assert chrom.kind == "chromatogram" and len(chrom) == r.info.n_chromatograms
        if len(chrom):
            # the simulator writes a TIC: one point per spectrum
            assert chrom.offsets[1] == len(r)


def test_closed_reader_raises(sim_file):
    r = lc.open(sim_file)
    b = r.read(0, 2)
    r.close()
    with pytest.raises(ValueError):
        r[0]
    assert b.mz.size > 0 and np.isfinite(b.mz).all()  # batches outlive their reader


# ---- real files (skip without ../shared/data/mzml) -----------------------------------------------
def _check_record(s, gt):
    assert s.id == gt["id"]
    assert len(s.mz) == gt["points"]
    if gt.get("ms_level") is not None:
        assert s.ms_level == gt["ms_level"]
    if gt.get("scan_start_time_seconds") is not None:
        assert s.rt == pytest.approx(gt["scan_start_time_seconds"], rel=1e-9)
    else:
        assert math.isnan(s.rt)
    if gt["points"]:
        assert math.fsum(float(v) for v in s.intensity[np.isfinite(s.intensity)]) == \
            pytest.approx(gt["intensity_sum"], rel=1e-6)
        arrays = {a["type"]: a for a in gt["arrays"]}
        mz_gt = arrays.get("mz") or arrays.get("time")
        if mz_gt and "first3" in mz_gt:
            np.testing.assert_allclose(s.mz[:3], mz_gt["first3"], rtol=1e-12)
            np.testing.assert_allclose(s.mz[-3:], mz_gt["last3"], rtol=1e-12)


def test_real_files_against_ground_truth(data_dir, ground_truth):
    checked = 0
    for name, gt in sorted(ground_truth.items()):
        clean = not any("error" in k for k in gt.get("anomalies", {})) and gt["size_bytes"] > 0
        if not clean:
            continue
        with lc.open(str(data_dir / name)) as r:
            assert len(r) == gt["n_spectra"], name
            assert r.info.n_chromatograms == gt["n_chromatograms"], name
            n = gt["n_spectra"]
            for rec in gt["ground_truth"]["spectra"]:
                # "index" is the file's attribute (not always document order): use the position
                doc = {"first": 0, "only": 0, "middle": n // 2, "last": n - 1}[rec["position"]]
                _check_record(r[doc], rec)
                checked += 1
            if gt["n_spectra"]:
                total = sum(b.n_points for b in r)
                assert total == gt["total_spectrum_points"], name
    assert checked >= 40
