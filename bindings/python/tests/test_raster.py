"""Frames, PNG and video: a small input rasterized equals a plain numpy transcription of the
documented pixel rules (max accumulation, linear scale, frame normalization, no blur, gray8),
frames land in a caller's array without a copy, PNG files decode back to the same pixels (a
minimal zlib PNG reader), videos go through ffmpeg, and errors carry the C message."""
import os
import shutil
import struct
import zlib

import numpy as np
import pytest

import lavoisier_core as lc
from conftest import needs

pytestmark = needs("frames")

H, W = 8, 5
PARAMS = dict(mode="heatmap", width=W, height=H, mz_min=100.0, mz_max=200.0, rt_start=0.0,
              rt_window=10.0, rt_stride=10.0, ms_level=1, accumulate="max", scale="linear",
              normalize="frame", blur_sigma=0.0, format="gray8")


def make_input(rng, n_spectra=12):
    """Spectra at rt 0.5, 1.5, ... (column floor(rt / 2) of frame floor(rt / 10)); m/z inside
    bins away from their edges; integer intensities with one 256 per frame, so that the
    normalized values are exact in float and double alike."""
    mz, inten, offsets, rt = [], [], [0], []
    for s in range(n_spectra):
        k = int(rng.integers(3, 9))
        bins = rng.integers(0, H, k)
        m = np.sort(100.0 + (bins + rng.uniform(0.05, 0.95, k)) * (100.0 / H))
        x = rng.integers(0, 256, k).astype(np.float32)
        if s % 10 == 3:
            x[0] = 256.0
        if s == 5:
            m = np.append(m, [200.0, 250.0])  # m/z == mz_max: last bin; above: ignored
            x = np.append(x, [7.0, 255.0]).astype(np.float32)
        mz.append(m)
        inten.append(x)
        offsets.append(offsets[-1] + len(m))
        rt.append(0.5 + s)
    ms_level = np.ones(n_spectra, np.uint8)
    ms_level[7] = 2  # not selected
    return (np.concatenate(mz), np.concatenate(inten).astype(np.float32),
            np.array(offsets, np.uint64), np.array(rt), ms_level)


def frames_ref(mz, inten, offsets, rt, ms_level, n_frames):
    acc = np.zeros((n_frames, H, W))
    for s in range(len(rt)):
        if ms_level[s] != 1:
            continue
        k = int(rt[s] // 10)
        col = int((rt[s] - 10 * k) / 10 * W)
        a, b = int(offsets[s]), int(offsets[s + 1])
        for m, x in zip(mz[a:b], inten[a:b]):
            if not 100.0 <= m <= 200.0:
                continue
            row = min(H - 1, int((m - 100.0) / 100.0 * H))
            acc[k, row, col] = max(acc[k, row, col], max(float(x), 0.0))
    top = acc.max(axis=(1, 2), keepdims=True)
    v = np.divide(acc, top, out=np.zeros_like(acc), where=top > 0)
    return np.minimum(255, np.floor(v * 256)).astype(np.uint8)[..., np.newaxis]


def test_heatmap_frames_equal_numpy_reference():
    rng = np.random.default_rng(21)
    mz, x, off, rt, lvl = make_input(rng)
    n = lc.frames_count(rt=rt, levels=lvl, **PARAMS)
    assert n == 2  # rt up to 11.5 s, 10 s windows
    got = lc.frames(mz, x, off, rt=rt, levels=lvl, **PARAMS)
    assert got.shape == (2, H, W, 1) and got.dtype == np.uint8
    np.testing.assert_array_equal(got, frames_ref(mz, x, off, rt, lvl, 2))
    assert got[0].max() == 255  # the 256 of frame 0


def test_frames_fill_a_callers_array_without_copy():
    rng = np.random.default_rng(22)
    mz, x, off, rt, lvl = make_input(rng)
    out = np.full((3, H, W, 1), 9, np.uint8)  # one frame more than the data: left blank
    res = lc.frames(mz, x, off, rt=rt, levels=lvl, n_frames=3, out=out, **PARAMS)
    assert res is out and res.ctypes.data == out.ctypes.data
    np.testing.assert_array_equal(out[:2], frames_ref(mz, x, off, rt, lvl, 2))
    assert not out[2].any()
    with pytest.raises(ValueError, match="out must be"):
        lc.frames(mz, x, off, rt=rt, levels=lvl, n_frames=3, out=out[:, :, :, 0], **PARAMS)
    with pytest.raises(ValueError, match="out must be"):
        lc.frames(mz, x, off, rt=rt, levels=lvl, n_frames=3, out=out.astype(np.float32),
                  **PARAMS)


def test_stripe_frames_and_render():
    rng = np.random.default_rng(23)
    mz, x, off, rt, lvl = make_input(rng)
    kw = dict(PARAMS, mode="stripe", ms_level=0)
    got = lc.frames(mz, x, off, rt=rt, **kw)
    assert got.shape == (12, H, W, 1)
    for s in range(12):  # every column the same: the spectrum's row maxima, normalized
        a, b = int(off[s]), int(off[s + 1])
        row = np.zeros(H)
        for m, v in zip(mz[a:b], x[a:b]):
            if 100.0 <= m <= 200.0:
                r = min(H - 1, int((m - 100.0) / 100.0 * H))
                row[r] = max(row[r], v)
        q = np.minimum(255, np.floor(row / row.max() * 256)) if row.max() > 0 else row
        np.testing.assert_array_equal(got[s, :, :, 0], np.repeat(q[:, None], W, 1), err_msg=s)
    # render: steps 2-5 on caller-accumulated images (max 256: exact)
    acc = rng.integers(0, 256, (2, H, W)).astype(np.float32)
    acc[:, 0, 0] = 256
    img = lc.render(acc, **PARAMS)
    np.testing.assert_array_equal(img[..., 0], np.minimum(255, np.floor(acc / 256 * 256)))
    f32 = lc.render(acc, **dict(PARAMS, format="f32"))
    assert f32.dtype == np.float32
    np.testing.assert_allclose(f32[..., 0], acc / 256, rtol=1e-7)
    rgb = lc.render(acc, **dict(PARAMS, format="rgb8", colormap="gray"))
    assert rgb.shape == (2, H, W, 3)
    # matplotlib's gray table: r = g = b, entry q within one count of q (its own rounding)
    assert np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2])
    assert np.abs(rgb[..., 0].astype(int) - img[..., 0]).max() <= 1


def test_frames_of_a_batch_equal_frames_of_its_arrays(sim_file):
    with lc.open(sim_file) as r:
        batch = next(iter(r))
    kw = dict(width=32, height=24, mz_min=150.0, mz_max=1500.0, rt_window=5.0, rt_stride=5.0,
              blur_sigma=1.0)
    a = lc.frames(batch, **kw)
    b = lc.frames(batch.mz, batch.intensity, batch.offsets, rt=batch.rt,
                  levels=batch.ms_level, **kw)
    assert a.shape[0] == lc.frames_count(batch, **kw) >= 1 and a.any()
    np.testing.assert_array_equal(a, b)
    shape, dtype = lc.frame_shape(**kw)
    assert a.shape[1:] == shape and dtype == np.uint8


def read_png(path):
    """Minimal PNG decoder: 8-bit gray / RGB / RGBA, non-interlaced, every filter type."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    assert depth == 8 and interlace == 0
    c = {0: 1, 2: 3, 6: 4}[ctype]
    raw = zlib.decompress(idat)
    stride = w * c
    img = np.zeros((h, stride), np.int32)
    prev = np.zeros(stride, np.int32)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        out = np.zeros(stride, np.int32)
        for i in range(stride):
            a = out[i - c] if i >= c else 0
            b = prev[i]
            cc = prev[i - c] if i >= c else 0
            if f == 0:
                pred = 0
            elif f == 1:
                pred = a
            elif f == 2:
                pred = b
            elif f == 3:
                pred = (a + b) // 2
            else:
                p = a + b - cc
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - cc)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else cc)
            out[i] = (line[i] + pred) & 255
        img[y] = out
        prev = out
    return img.astype(np.uint8).reshape(h, w, c)


def test_png_round_trip(tmp_path):
    rng = np.random.default_rng(24)
    for c in (1, 3, 4):
        img = rng.integers(0, 256, (13, 17, c)).astype(np.uint8)
        img[3:6] = 40  # runs, so that filters other than None are worth choosing
        path = tmp_path / ("img%d.png" % c)
        assert lc.write_png(path, img if c > 1 else img[..., 0]) == path
        np.testing.assert_array_equal(read_png(path), img)
    with lc.PngSequence(str(tmp_path / "f_{:03d}.png")) as seq:
        mz, x, off, rt, lvl = make_input(rng)
        frames = lc.frames(mz, x, off, rt=rt, levels=lvl, **PARAMS)
        written = seq.write(frames)
    assert [os.path.basename(p) for p in written] == ["f_000.png", "f_001.png"]
    np.testing.assert_array_equal(read_png(written[1]), frames[1])
    with pytest.raises(RuntimeError):
        with lc.PngSequence(str(tmp_path / "g_{:03d}.png")) as seq:
            seq.write(frames)
            raise RuntimeError("stop")
    assert not (tmp_path / "g_000.png").exists()  # a failed sequence leaves nothing behind


@needs("video")
def test_video_through_ffmpeg_or_the_reason(tmp_path):
    frames = np.zeros((6, 16, 20, 3), np.uint8)
    frames[:, 4:8, 5:9] = 200
    path = tmp_path / "out.mp4"
    if shutil.which("ffmpeg") is None:
        with pytest.raises(lc.LavoisierError) as e:
            lc.Video(path, 20, 16, 3)
        assert e.value.name == "LV_ERR_UNSUPPORTED" and "ffmpeg" in e.value.message
        return
    with lc.Video(path, 20, 16, 3, fps=10) as v:
        v.write(frames[:2])
        v.write(frames[2])  # one frame
        v.write(frames[3:])
    assert v.n_frames == 6 and v.finished
    data = path.read_bytes()
    assert len(data) > 100 and data[4:8] == b"ftyp"  # an MP4 container
    broken = tmp_path / "broken.mp4"
    with pytest.raises(RuntimeError):
        with lc.Video(broken, 20, 16, 3) as v:
            v.write(frames)
            raise RuntimeError("stop")
    assert not broken.exists()  # closed unfinished: ffmpeg stopped, temporary file removed
    with pytest.raises(ValueError, match="shape"):
        with lc.Video(tmp_path / "x.mp4", 20, 16, 1) as v:
            v.write(frames)


def test_raster_errors_carry_the_c_message(tmp_path):
    mz, x = np.array([150.0]), np.array([1.0], np.float32)
    cases = [
        (lambda: lc.frames(mz, x, rt=[1.0], mz_min=300.0, mz_max=200.0), "lv_frame_size",
         "m/z range"),
        (lambda: lc.frame_shape(width=0), "lv_frame_size", "frame size 0x"),
        (lambda: lc.frames_count(n_spectra=3, mode="heatmap"), "lv_frames_count", "need rt"),
        (lambda: lc.frames(mz, x, rt=[1.0], n_frames=1, blur_sigma=-1.0), "lv_frame_size",
         "blur_sigma"),
        (lambda: lc.render(np.ones((1, 4, 4), np.float32), width=4, height=4,
                           normalize="fixed", norm_value=0.0), "lv_frame_size", "norm_value"),
        (lambda: lc.write_png(tmp_path / "a.png", np.zeros((2, 2, 2), np.uint8)),
         "lv_png_write", "channels is 2"),
        (lambda: lc.write_png(tmp_path / "no" / "dir" / "a.png", np.zeros((2, 2), np.uint8)),
         "lv_png_write", "a.png"),
        (lambda: lc.Video(tmp_path / "v.mp4", 4, 4, 1, ffmpeg="no-such-ffmpeg-xyz"),
         "lv_video_open", "no-such-ffmpeg-xyz"),
        (lambda: lc.Video(tmp_path / "v.mp4", 4, 4, 2), "lv_video_open", "channels is 2"),
    ]
    for call, fn, text in cases:
        with pytest.raises(lc.LavoisierError) as e:
            call()
        assert e.value.function == fn and text in e.value.message, (fn, e.value)
    with pytest.raises(ValueError, match="format"):
        lc.frame_params(format="png")
    with pytest.raises(TypeError, match="unknown frame parameter"):
        lc.frame_params(colour="red")
