"""Batch columns are numpy views of the batch's own memory (no copy), and they keep it alive."""
import gc

import numpy as np
import pytest

import lavoisier_core as lc
from lavoisier_core.batch import _COLUMNS


def test_views_point_at_the_batch_memory(sim_file):
    with lc.open(sim_file) as r:
        b = next(iter(r))
        v = b.c_view
        for name, (field, _, _, _) in _COLUMNS.items():
            a = b.column(name)
            assert a.ctypes.data == getattr(v, field), name
            assert not a.flags.owndata, name
        assert b.mz.flags.writeable and b.intensity.flags.writeable
        assert not b.offsets.flags.writeable and not b.rt.flags.writeable
        # a spectrum's arrays are slices of the same memory
        s = b[2]
        a = int(b.offsets[2])
        assert s.mz.ctypes.data == v.mz + 8 * a
        assert s.intensity.ctypes.data == v.intensity + 4 * a
        # writes through the view are seen by the C batch (same memory)
        b.intensity[0] = 12345.0
        assert r is not None and b.intensity[0] == 12345.0
        assert np.ctypeslib.as_array((np.ctypeslib.ctypes.c_float * 1).from_address(
            v.intensity))[0] == 12345.0


def test_views_keep_the_batch_alive(sim_file):
    with lc.open(sim_file) as r:
        b = r.read(0, 3)
        handle = b.handle._finalizer  # the finalizer, not the handle: no strong reference
        mz, intensity = b[1]
        expected = (mz.copy(), intensity.copy())
        b.close()
        del b
        gc.collect()
        assert handle.alive  # still referenced by the views
        np.testing.assert_array_equal(mz, expected[0])
        np.testing.assert_array_equal(intensity, expected[1])
        del mz, intensity
        gc.collect()
        assert not handle.alive  # the last view gone: lv_batch_destroy ran


def test_closed_batch_refuses_new_views(sim_file):
    with lc.open(sim_file) as r:
        b = r.read(0, 1)
        b.close()
        with pytest.raises(ValueError):
            b.mz


def test_context_outlives_its_users(sim_file):
    ctx = lc.Context("cpu", threads=2)
    h = ctx.handle._finalizer
    r = lc.open(sim_file, context=ctx)
    b = r.read(0, 2)
    ctx.close()
    r.close()
    gc.collect()
    assert h.alive  # the batch was allocated from the context: it keeps it
    assert b.mz.size > 0
    del b
    gc.collect()
    assert not h.alive


def test_inputs_in_c_types_are_not_copied():
    from lavoisier_core import ops
    x = np.arange(10, dtype=np.float32)
    assert ops._f32(x) is x
    m = np.arange(10, dtype=np.float64)
    assert ops._f64(m) is m
    out = np.empty(10, np.float32)
    assert lc.saxpy(2.0, x, x, out=out) is out
    np.testing.assert_array_equal(out, 3 * x)
