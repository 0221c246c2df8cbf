"""Thread rules: ctypes releases the GIL during C calls, so separate readers (also on one file) run
in parallel; a shared Reader serializes its calls; contexts and batches are shared freely."""
import threading
import time

import numpy as np

import lavoisier_core as lc


def _digest(path, ctx=None):
    """(ids, sum of intensities per batch) of a whole file, read by one reader."""
    ids, sums = [], []
    with lc.open(path, context=ctx, batch_points=40_000) as r:
        for b in r:
            ids.extend(b.ids)
            sums.append(float(b.intensity.astype(np.float64).sum()))
    return ids, sums


def test_two_threads_read_in_parallel_with_same_results(sim_file):
    expected = _digest(sim_file)
    ctx = lc.Context("cpu", threads=2)  # one shared context: allowed by the thread rules
    results, errors = [None, None], []

    def work(k):
        try:
            for _ in range(3):
                results[k] = _digest(sim_file, ctx)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results[0] == expected and results[1] == expected


def test_gil_is_released_during_c_calls(tmp_path):
    """While one thread is inside a long C call (lv_simulate), the main thread keeps running
    Python code: the largest pause it sees is far shorter than the C call."""
    done = threading.Event()
    span = {}

    def work():
        t0 = time.perf_counter()
        lc.simulate(str(tmp_path / "gil.mzML"), target_bytes=24 << 20, seed=2)
        span["c_call"] = time.perf_counter() - t0
        done.set()

    t = threading.Thread(target=work)
    t.start()
    last = time.perf_counter()
    max_gap = 0.0
    ticks = 0
    while not done.is_set():
        now = time.perf_counter()
        max_gap = max(max_gap, now - last)
        last = now
        ticks += 1
    t.join()
    print("C call %.3f s, main thread ticks %d, largest pause %.4f s" % (span["c_call"], ticks,
                                                                         max_gap))
    assert span["c_call"] > 0.05
    # With the GIL held across the call, the main thread would stall for the whole call.
    assert max_gap < 0.5 * span["c_call"]


def test_shared_reader_serializes(sim_file):
    with lc.open(sim_file) as r:
        n = len(r)
        out = {}

        def work(k):
            out[k] = [r[i].id for i in range(k, n, 2)]

        threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ids = [r[i].id for i in range(n)]
        assert out[0] == ids[0::2] and out[1] == ids[1::2]
