"""The framework's integration layer (AcceleratedProcessor) and the example script."""
import os
import subprocess
import sys

import numpy as np
import pytest

import lavoisier_core as lc
from conftest import REPO, needs

scipy_signal = pytest.importorskip("scipy.signal")


@needs("localmax")
def test_process_large_dataset_equals_per_spectrum_find_peaks(sim_file):
    proc = lc.AcceleratedProcessor(context=lc.Context("cpu"))
    chunks = proc.process_large_dataset([sim_file, sim_file], chunk_size=50_000)
    expected = []
    with lc.open(sim_file, batch_points=50_000) as r:
        for b in r:
            mz, inten = [], []
            for s in b:
                idx, _ = scipy_signal.find_peaks(s.intensity, height=1000.0, distance=5)
                mz.append(s.mz[idx])
                inten.append(s.intensity[idx])
            expected.append((np.concatenate(mz), np.concatenate(inten)))
    assert len(chunks) == 2 * len(expected) and len(expected) > 1
    for (mz, inten), (emz, einten) in zip(chunks, expected + expected):
        np.testing.assert_array_equal(mz, emz)
        np.testing.assert_array_equal(inten, einten)
        assert inten.size == 0 or inten.min() >= 1000.0


def test_process_large_dataset_without_localmax_says_why(sim_file):
    if lc.available_operations()["localmax"]:
        pytest.skip("the library has lv_localmax")
    with pytest.raises(lc.LavoisierError) as e:
        lc.AcceleratedProcessor().process_large_dataset([sim_file])
    assert e.value.name == "LV_ERR_UNSUPPORTED" and "lv_localmax" in str(e.value)


@needs("denoise")
def test_accelerated_ai_processing_without_evidence(sim_file):
    proc = lc.AcceleratedProcessor(context=lc.Context("cpu"))
    with lc.open(sim_file) as r:
        s = next(sp for sp in r[0].batch if sp.ms_level == 1)
        out = proc.accelerated_ai_processing(s)
        cleaned = lc.zengeza(s.intensity)
        np.testing.assert_array_equal(out["cleaned_spectrum"][1], cleaned)
        noise = lc.noise_level(s.intensity)
        assert out["noise"] == noise > 0
        ref = lc.centroid(s.mz, cleaned, snr=3.0, noise=noise)
        np.testing.assert_array_equal(out["centroids"][0], ref.mz)
        np.testing.assert_array_equal(out["centroids"][1], ref.intensity)
        assert ref.mz.size > 0
        assert "bayesian_posteriors" not in out  # nothing invented without evidence
        assert "needs evidence" in out["unavailable"]["bayesian_posteriors"]
        wav = proc.accelerated_ai_processing(s, denoise="wavelet")
        np.testing.assert_array_equal(wav["cleaned_spectrum"][1], lc.wavelet_denoise(s.intensity))
        # caller-supplied likelihoods: lv_bayes_update
        lk = np.array([[0.9, 0.2], [0.3, 0.7], [0.5, 0.5]])
        res = proc.accelerated_ai_processing(s, likelihood=lk, prior=[0.5, 0.3, 0.2])
        np.testing.assert_array_equal(res["bayesian_posteriors"],
                                      lc.bayes_update(lk, [0.5, 0.3, 0.2]).posterior)
        assert res["degenerate"] is False
        # a centroid spectrum is neither cleaned nor centroided again
        ms2 = next((sp for b in r for sp in b if sp.representation == "centroid"), None)
        assert ms2 is not None
        c = proc.accelerated_ai_processing(ms2)
        assert c["cleaned_spectrum"] is None
        np.testing.assert_array_equal(c["centroids"][0], ms2.mz)


@needs("annotate")
def test_accelerated_ai_processing_annotates_against_a_compound_db(tmp_path):
    (tmp_path / "m.tsv").write_text("database_name\tT\ndatabase_version\t1\n"
                                    "0\tC6H12O6\tGLC\n0\tC8H10N4O2\tCAF\n")
    (tmp_path / "n.tsv").write_text("GLC\tglucose\tx\ty\nCAF\tcaffeine\tx\ty\n")
    (tmp_path / "a.tsv").write_text("M+H;1+\nM+Na;1+\n")
    db = lc.CompoundDB(tmp_path / "m.tsv", tmp_path / "n.tsv", tmp_path / "a.tsv", None)
    glc = db[0]
    target = glc.mass + 22.9897692809 - 0.00054857990946  # [M+Na]+
    # a profile spectrum: the monoisotopic peak and its M+1 on noise, 0.001 m/z spacing
    rng = np.random.default_rng(31)
    mz = np.arange(195.0, 210.0, 0.001)
    inten = rng.normal(100, 10, mz.size)
    for centre, height in ((target, 1e5), (target + 1.003355, 1e5 * glc.isotope_m1)):
        inten += height * np.exp(-0.5 * ((mz - centre) / 0.002) ** 2)
    inten = np.abs(inten).astype(np.float32)
    proc = lc.AcceleratedProcessor(context=lc.Context("cpu"))
    out = proc.accelerated_ai_processing((mz, inten), compound_db=db, polarity=1, ppm=10)
    ann = out["bayesian_posteriors"]
    assert ann is out["annotation"]
    cmz, cint = out["centroids"]
    np.testing.assert_array_equal(ann.peak_mz, cmz)  # every centroid annotated, in order
    best = int(np.argmax(cint))
    rows = ann.candidates(best)
    assert rows and rows[0]["compound"].name == "glucose" and rows[0]["adduct"].name == "M+Na;1+"
    assert rows[0]["posterior"] > ann.no_match_posterior[best]
    direct = lc.annotate(db, cmz, cint, polarity=1, ppm=10)
    np.testing.assert_array_equal(ann.posterior, direct.posterior)


def test_example_script_runs(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    script = REPO / "examples" / "read_centroid_plot.py"
    res = subprocess.run([sys.executable, str(script), "--out", str(tmp_path / "spectrum.png"),
                          "--workdir", str(tmp_path)], env=env, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "spectra" in res.stdout
