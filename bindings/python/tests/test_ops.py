"""Operations: saxpy always; localmax, centroid and the writer once the loaded library exports
them (skipped with the reason until then).  localmax is checked against scipy find_peaks on
random inputs, centroid against the C batch path, a direct ctypes call and a numpy transcription
of its documented semantics."""
import ctypes

import numpy as np
import pytest

import lavoisier_core as lc
from lavoisier_core import _lib
from conftest import needs

scipy_signal = pytest.importorskip("scipy.signal")


def test_saxpy_matches_numpy():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(100_001).astype(np.float32)
    y = rng.standard_normal(100_001).astype(np.float32)
    with lc.Context("cpu") as ctx:
        out = lc.saxpy(1.5, x, y, context=ctx)
    np.testing.assert_allclose(out, np.float32(1.5) * x + y, rtol=1e-6, atol=1e-6)
    out2 = lc.saxpy(1.5, x.astype(np.float64), y)  # converted once, default context
    np.testing.assert_array_equal(out, out2)


# ---- localmax ----------------------------------------------------------------------------------
def _random_spectrum(rng, n):
    kind = rng.integers(3)
    if kind == 0:
        return rng.random(n).astype(np.float32) * 100
    if kind == 1:  # few values: many plateaus and ties
        return rng.integers(0, 5, n).astype(np.float32)
    x = np.zeros(n, np.float32)  # Gaussian peaks on noise
    t = np.arange(n)
    for _ in range(max(1, n // 40)):
        x += (rng.random() * 1000 * np.exp(-0.5 * ((t - rng.random() * n) / (1 + 3 * rng.random()))
                                           ** 2)).astype(np.float32)
    return x + rng.random(n).astype(np.float32)


@needs("localmax")
def test_localmax_equals_scipy_find_peaks_on_random_inputs():
    rng = np.random.default_rng(42)
    cases = 0
    for trial in range(300):
        x = _random_spectrum(rng, int(rng.integers(0, 400)))
        height = None if trial % 3 == 0 else float(np.quantile(x, rng.random())) if x.size else 0.0
        distance = int(rng.integers(1, 12)) if trial % 2 else 1
        if x.dtype == np.float32 and np.unique(x).size < x.size // 2:
            distance = 1  # many equal heights: scipy breaks ties with np.argsort, not stable
            # for every numpy build (x86-simd-sort), so distance > 1 is tested on distinct values
        got = lc.localmax(x, min_height=height, min_distance=distance)
        ref, _ = scipy_signal.find_peaks(x, height=height, distance=distance)
        np.testing.assert_array_equal(got, ref.astype(np.uint32),
                                      err_msg="trial %d height %r distance %d" % (trial, height,
                                                                                  distance))
        cases += 1
    assert cases == 300


@needs("localmax")
def test_localmax_csr_equals_per_spectrum_scipy():
    rng = np.random.default_rng(7)
    spectra = [_random_spectrum(rng, int(rng.integers(0, 300))) for _ in range(50)]
    values = np.concatenate(spectra)
    offsets = np.concatenate([[0], np.cumsum([s.size for s in spectra])]).astype(np.uint64)
    peaks = lc.localmax(values, offsets, min_height=20.0, min_distance=4)
    for i, s in enumerate(spectra):
        ref, _ = scipy_signal.find_peaks(s, height=20.0, distance=4)
        got = peaks.index[peaks.offsets[i]:peaks.offsets[i + 1]]
        np.testing.assert_array_equal(got, ref)
    # offsets[0] need not be 0: a sub-range of the arrays
    sub = lc.localmax(values, offsets[10:21], min_height=20.0, min_distance=4)
    np.testing.assert_array_equal(sub.index, peaks.index[peaks.offsets[10]:peaks.offsets[20]])


@needs("localmax")
def test_localmax_on_a_batch(sim_file):
    with lc.open(sim_file) as r:
        b = r.read(0, 12)
        peaks = lc.localmax(b, min_height=1000.0, min_distance=5)
        for i, s in enumerate(b):
            ref, _ = scipy_signal.find_peaks(s.intensity, height=1000.0, distance=5)
            np.testing.assert_array_equal(peaks.index[peaks.offsets[i]:peaks.offsets[i + 1]], ref)
        np.testing.assert_array_equal(lc.localmax(b[0]), scipy_signal.find_peaks(b[0].intensity)[0])


@needs("localmax")
def test_localmax_rejects_bad_offsets():
    with pytest.raises(ValueError):
        lc.localmax(np.zeros(10, np.float32), np.array([0, 11], np.uint64))
    with pytest.raises(ValueError):
        lc.localmax(np.zeros(10, np.float32), np.array([0, 6, 3], np.uint64))
    with pytest.raises(ValueError):
        lc.localmax(np.zeros(10, np.float32), min_distance=0)


# ---- centroid -----------------------------------------------------------------------------------
def _profile_spectra(rng, n_spectra, n_points=2000):
    mz_all, int_all, offsets = [], [], [0]
    for _ in range(n_spectra):
        mz = 200 + np.cumsum(rng.uniform(0.004, 0.006, n_points))
        x = np.zeros(n_points)
        for _ in range(15):
            c = mz[rng.integers(5, n_points - 5)]
            x += rng.uniform(1e3, 1e5) * np.exp(-0.5 * ((mz - c) / rng.uniform(0.008, 0.02)) ** 2)
        x += rng.uniform(1, 50, n_points)
        mz_all.append(mz)
        int_all.append(x.astype(np.float32))
        offsets.append(offsets[-1] + n_points)
    return np.concatenate(mz_all), np.concatenate(int_all), np.array(offsets, np.uint64)


def _centroid_reference(mz, x, snr, min_intensity):
    """numpy transcription of lv_centroid's documented semantics (apex mode) for inputs without
    plateaus or non-positive samples next to a peak."""
    x64 = x.astype(np.float64)
    med = np.median(x64)
    noise = 1.4826 * np.median(np.abs(x64 - med))
    thr = max(min_intensity, snr * noise)
    idx, _ = scipy_signal.find_peaks(x)
    idx = idx[x64[idx] >= thr]
    out_mz, out_int = [], []
    for i in idx:
        # m/z relative to the apex sample: in absolute m/z (~1000) the constant term c loses
        # about six digits to cancellation and the height comes out wrong by ~1e-4.
        x0, x1, x2 = mz[i - 1] - mz[i], 0.0, mz[i + 1] - mz[i]
        y0, y1, y2 = np.log(x64[i - 1]), np.log(x64[i]), np.log(x64[i + 1])
        d = (x0 - x1) * (x0 - x2) * (x1 - x2)
        a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / d
        b = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / d
        c = (x1 * x2 * (x1 - x2) * y0 + x2 * x0 * (x2 - x0) * y1 + x0 * x1 * (x0 - x1) * y2) / d
        v = -b / (2 * a)
        out_mz.append(mz[i] + v)
        out_int.append(np.exp(c - b * b / (4 * a)))
    return np.array(out_mz), np.array(out_int)


@needs("centroid")
def test_centroid_matches_documented_semantics():
    rng = np.random.default_rng(3)
    mz, x, off = _profile_spectra(rng, 8)
    res = lc.centroid(mz, x, off, snr=3.0)
    for i in range(8):
        a, b = int(off[i]), int(off[i + 1])
        ref_mz, ref_int = _centroid_reference(mz[a:b], x[a:b], 3.0, 0.0)
        k0, k1 = int(res.offsets[i]), int(res.offsets[i + 1])
        assert k1 - k0 == ref_mz.size
        np.testing.assert_allclose(res.mz[k0:k1], ref_mz, rtol=1e-9)
        np.testing.assert_allclose(res.intensity[k0:k1], ref_int, rtol=1e-4)


@needs("centroid")
def test_centroid_wrapper_equals_direct_ctypes_call():
    rng = np.random.default_rng(5)
    mz, x, off = _profile_spectra(rng, 4, 1000)
    res = lc.centroid(mz, x, off, snr=2.0, min_intensity=100.0, fwhm=True)
    p = _lib.CentroidParams()
    _lib.lv_centroid_params_init(ctypes.byref(p))
    p.snr, p.min_intensity, p.fwhm = 2.0, 100.0, 1
    cap = x.size
    o_mz, o_int, o_fw = np.empty(cap), np.empty(cap, np.float32), np.empty(cap, np.float32)
    o_off = np.empty(5, np.uint64)
    _lib.lv_centroid(lc.default_context().ptr, ctypes.byref(p), 4, off.ctypes.data,
                     mz.ctypes.data, x.ctypes.data, cap, o_mz.ctypes.data, o_int.ctypes.data,
                     o_fw.ctypes.data, o_off.ctypes.data)
    k = int(o_off[-1])
    np.testing.assert_array_equal(res.offsets, o_off)
    np.testing.assert_array_equal(res.mz, o_mz[:k])
    np.testing.assert_array_equal(res.intensity, o_int[:k])
    np.testing.assert_array_equal(res.fwhm, o_fw[:k])
    assert np.all(res.fwhm > 0)
    one = lc.centroid(mz[:1000], x[:1000], snr=2.0, min_intensity=100.0)
    np.testing.assert_array_equal(one.mz, res.mz[:int(res.offsets[1])])


@needs("centroid_batch")
def test_centroid_batch_round_trip(sim_file):
    with lc.open(sim_file) as r:
        b = r.read(0, 12)
        out = lc.centroid(b, snr=3.0, ms_levels=(1,))
        assert isinstance(out, lc.Batch) and len(out) == len(b) and out.ids == b.ids
        arrays = lc.centroid(b.mz, b.intensity, b.offsets, snr=3.0)
        for i, (s_in, s_out) in enumerate(zip(b, out)):
            if s_in.ms_level == 1:  # profile MS1: centroided, equal to the array path
                assert s_out.representation == "centroid" and out.processed[i] == 1
                k0, k1 = int(arrays.offsets[i]), int(arrays.offsets[i + 1])
                np.testing.assert_array_equal(s_out.mz, arrays.mz[k0:k1])
                np.testing.assert_array_equal(s_out.intensity, arrays.intensity[k0:k1])
            else:  # MS2 not selected: copied unchanged
                assert out.processed[i] == 0
                np.testing.assert_array_equal(s_out.mz, s_in.mz)
                np.testing.assert_array_equal(s_out.intensity, s_in.intensity)


@needs("writer")
def test_writer_round_trip(sim_file, tmp_path):
    dest = tmp_path / "centroided.mzML"
    with lc.open(sim_file) as r:
        n = len(r)
        expected = {}
        with lc.Writer(str(dest), r, processing="centroid snr=3", peak_picking=True) as w:
            for b in r.batches():
                c = lc.centroid(b, snr=3.0, ms_levels=(1,))
                w.write(c)
                for s in c:
                    expected[s.index] = (s.mz.copy(), s.intensity.copy(), s.representation)
    with lc.open(str(dest), verify_checksum=True) as r2:
        assert len(r2) == n and r2.info.index_state == "valid"
        assert r2.info.checksum_state == "matches"
        for b in r2:
            for s in b:
                mz, inten, rep = expected[s.index]
                assert s.representation == rep
                np.testing.assert_array_equal(s.mz, mz)
                np.testing.assert_array_equal(s.intensity, inten)


@needs("writer")
def test_unfinished_writer_leaves_no_file(sim_file, tmp_path):
    dest = tmp_path / "never.mzML"
    with lc.open(sim_file) as r:
        w = lc.Writer(str(dest), r)
        w.close()
    assert not dest.exists()
