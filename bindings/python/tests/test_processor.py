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


def test_accelerated_ai_processing_reports_missing_stages(sim_file):
    proc = lc.AcceleratedProcessor(context=lc.Context("cpu"))
    with lc.open(sim_file) as r:
        s = r[0]
        out = proc.accelerated_ai_processing(s)
    assert "issue #4" in out["unavailable"]["cleaned_spectrum"]
    assert "issue #5" in out["unavailable"]["bayesian_posteriors"]
    if lc.available_operations()["centroid"]:
        mz, inten = out["centroids"]
        ref = lc.centroid(s, snr=3.0)
        np.testing.assert_array_equal(mz, ref.mz)
        np.testing.assert_array_equal(inten, ref.intensity)
    else:
        assert "lv_centroid" in out["unavailable"]["centroids"]


def test_example_script_runs(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    script = REPO / "examples" / "read_centroid_plot.py"
    res = subprocess.run([sys.executable, str(script), "--out", str(tmp_path / "spectrum.png"),
                          "--workdir", str(tmp_path)], env=env, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "spectra" in res.stdout
