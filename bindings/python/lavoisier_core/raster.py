"""Rasterization (issue #6): spectra as 8-bit (or float) frames of shape
(n_frames, height, width, channels), PNG files and ffmpeg videos.

Frame parameters are keywords (the pixel semantics are in include/lavoisier.h, "Rasterization"):
mode "heatmap" (m/z x RT windows) or "stripe" (one frame per spectrum), width, height, mz_min,
mz_max, mz_bins "linear"/"ppm", rt_start (None = first selected spectrum), rt_window, rt_stride,
ms_level (0 = all), accumulate "max"/"sum", scale "linear"/"sqrt"/"log1p", normalize
"frame"/"global"/"fixed" with norm_value, blur_sigma, colormap "gray"/"viridis"/"magma"/"inferno"
(rgb8 only) and format "gray8"/"rgb8"/"f32".  Left out, each keeps lv_frame_params_init's
default."""
import ctypes
import os

import numpy as np

from . import _lib as L
from ._handle import Handle
from .batch import Batch, Spectrum
from .context import default_context
from .ops import _addr, _csr, _ctx, _f32, _f64

_byref = ctypes.byref

_ENUMS = {
    "mode": {"heatmap": 0, "stripe": 1},
    "mz_bins": {"linear": 0, "ppm": 1},
    "accumulate": {"max": 0, "sum": 1},
    "scale": {"linear": 0, "sqrt": 1, "log1p": 2},
    "normalize": {"frame": 0, "global": 1, "fixed": 2},
    "colormap": {"gray": 0, "viridis": 1, "magma": 2, "inferno": 3},
    "format": {"gray8": 0, "rgb8": 1, "f32": 2},
}
_UINTS = ("width", "height", "ms_level")
_FLOATS = ("mz_min", "mz_max", "rt_start", "rt_window", "rt_stride", "norm_value", "blur_sigma")


def frame_params(**kw):
    """An lv_frame_params from keywords (see the module doc); unknown keywords are an error."""
    p = L.FrameParams()
    L.lv_frame_params_init(_byref(p))
    for name, value in kw.items():
        if value is None and name != "rt_start":
            continue
        if name in _ENUMS:
            table = _ENUMS[name]
            if value not in table:
                raise ValueError("%s must be one of %s, not %r" % (name, sorted(table), value))
            setattr(p, name, table[value])
        elif name in _UINTS:
            setattr(p, name, int(value))
        elif name in _FLOATS:
            setattr(p, name, float("nan") if value is None else float(value))
        else:
            raise TypeError("unknown frame parameter %r" % name)
    return p


def _geometry(p):
    """(shape of one frame (H, W, C), numpy dtype) after lv_frame_size has checked p."""
    ch, nbytes = ctypes.c_uint32(), ctypes.c_uint64()
    L.lv_frame_size(_byref(p), _byref(ch), _byref(nbytes))
    dtype = np.float32 if p.format == 2 else np.uint8
    shape = (int(p.height), int(p.width), int(ch.value))
    assert int(np.prod(shape)) * np.dtype(dtype).itemsize == nbytes.value
    return shape, dtype


def frame_shape(**kw):
    """((height, width, channels), dtype) of one frame for these parameters (lv_frame_size)."""
    return _geometry(frame_params(**kw))


def _meta(rt, levels, n):
    t = None if rt is None else _f64(np.atleast_1d(rt))
    lv = None if levels is None else np.ascontiguousarray(np.atleast_1d(levels), np.uint8)
    for name, a in (("rt", t), ("levels", lv)):
        if a is not None and a.shape != (n,):
            raise ValueError("%s needs one value per spectrum (%d), not shape %s"
                             % (name, n, a.shape))
    return t, lv


def _addr_or_none(a):
    return _addr(a) if a is not None and a.size else None


def _count(p, n, t, lv):
    out = ctypes.c_uint64()
    L.lv_frames_count(_byref(p), n, _addr_or_none(t), _addr_or_none(lv), _byref(out))
    return int(out.value)


def frames_count(data=None, rt=None, levels=None, n_spectra=None, **kw):
    """The number of frames the spectra yield (lv_frames_count): from a Batch, or from the
    spectra's rt and MS levels (`levels`; one value per spectrum, None = every spectrum
    selected; n_spectra when both are None, stripes only)."""
    p = frame_params(**kw)
    if isinstance(data, Batch):
        rt, levels, n_spectra = data.rt, data.ms_level, len(data)
    if n_spectra is None:
        ref = rt if rt is not None else levels
        if ref is None:
            raise TypeError("frames_count needs a Batch, rt, levels or n_spectra")
        n_spectra = np.atleast_1d(ref).size
    t, lv = _meta(rt, levels, int(n_spectra))
    return _count(p, int(n_spectra), t, lv)


def _out_array(out, n_frames, shape, dtype):
    full = (n_frames,) + shape
    if out is None:
        return np.zeros(full, dtype)
    if not (isinstance(out, np.ndarray) and out.dtype == dtype and out.shape == full and
            out.flags.c_contiguous and out.flags.writeable):
        raise ValueError("out must be a writable C-contiguous %s array of shape %s"
                         % (np.dtype(dtype).name, full))
    return out


def frames(data, intensity=None, offsets=None, rt=None, levels=None, n_frames=None, out=None,
           context=None, **kw):
    """Rasterizes spectra into frames (lv_frames / lv_frames_batch) and returns the array of
    shape (n_frames, height, width, channels), uint8 (gray8, rgb8) or float32 (f32).

    data: a Batch (its rt and ms_level columns), a Spectrum, or m/z values with intensity
    (1-D, or CSR with offsets) with the spectra's rt (seconds, needed for heatmaps) and MS
    levels (`levels`, None = every spectrum counts as selected; the frame parameter ms_level
    chooses which level is drawn).  n_frames None = lv_frames_count().  out: a caller array of that
    shape and dtype, filled in place without any copy (and returned)."""
    p = frame_params(**kw)
    shape, dtype = _geometry(p)
    if isinstance(data, Batch):
        if n_frames is None:
            n_frames = _count(p, len(data), _f64(data.rt), data.ms_level)
        out = _out_array(out, int(n_frames), shape, dtype)
        L.lv_frames_batch(_ctx(context), _byref(p), data.ptr, int(n_frames), _addr_or_none(out))
        return out
    if isinstance(data, Spectrum):
        if rt is None:
            rt = [data.rt]
        if levels is None:
            levels = [data.ms_level]
        data, intensity = data.mz, data.intensity
    if intensity is None:
        raise TypeError("frames needs a Batch, a Spectrum, or mz and intensity arrays")
    m, x = _f64(data), _f32(intensity)
    if m.shape != x.shape or m.ndim != 1:
        raise ValueError("mz and intensity must be 1-D arrays of one length")
    off, n, _ = _csr(x.size, offsets)
    t, lv = _meta(rt, levels, n)
    if n_frames is None:
        n_frames = _count(p, n, t, lv)
    out = _out_array(out, int(n_frames), shape, dtype)
    L.lv_frames(_ctx(context), _byref(p), n, _addr(off), _addr_or_none(m), _addr_or_none(x),
                _addr_or_none(t), _addr_or_none(lv), int(n_frames), _addr_or_none(out))
    return out


def render(acc, out=None, context=None, **kw):
    """Steps 2-5 (scale, normalize, blur, quantize) alone on caller-accumulated float images
    (lv_frames_render): acc of shape (n_frames, height, width) for heatmaps or (n_frames, height)
    / (n_frames, height, 1) for stripes.  Returns (n_frames, height, width, channels)."""
    p = frame_params(**kw)
    shape, dtype = _geometry(p)
    a = _f32(acc)
    stripe = p.mode == 1
    want = (shape[0], 1) if stripe else shape[:2]
    if a.ndim == 2 and stripe:
        a = a.reshape(a.shape[0], a.shape[1], 1)
    if a.ndim != 3 or a.shape[1:] != want:
        raise ValueError("acc must have shape (n_frames, %d, %d), not %s"
                         % (want[0], want[1], a.shape))
    n_frames = a.shape[0]
    out = _out_array(out, n_frames, shape, dtype)
    L.lv_frames_render(_ctx(context), _byref(p), n_frames, _addr_or_none(a), _addr_or_none(out))
    return out


def _image(image):
    a = np.ascontiguousarray(image)
    if a.dtype != np.uint8:
        raise ValueError("images must be uint8 (quantize first, e.g. frames(format='gray8'))")
    if a.ndim == 2:
        a = a.reshape(a.shape + (1,))
    if a.ndim != 3:
        raise ValueError("an image is (height, width) or (height, width, channels)")
    return a


def write_png(path, image):
    """Writes a uint8 image of shape (height, width) or (height, width, channels 1/3/4) as a
    PNG file (lv_png_write: written beside path under a temporary name, renamed when complete).
    Returns path."""
    a = _image(image)
    h, w, c = a.shape
    L.lv_png_write(os.fsencode(os.fspath(path)), w, h, c, _addr_or_none(a))
    return path


class PngSequence:
    """Writes frames as numbered PNG files: pattern.format(k) for frame k (e.g.
    "frames/frame_{:05d}.png").  A context manager: on an exception the files it wrote are
    removed, so a failed run leaves no partial sequence."""

    def __init__(self, pattern, start=0):
        self.pattern = os.fspath(pattern)
        self.next_index = int(start)
        self.paths = []

    def write(self, frames_):
        """Writes one frame (H, W[, C]) or several (n, H, W, C); returns the paths written."""
        a = np.asarray(frames_)
        batch = a if a.ndim == 4 else a[np.newaxis]
        written = []
        for frame in batch:
            path = self.pattern.format(self.next_index)
            write_png(path, frame)
            self.paths.append(path)
            written.append(path)
            self.next_index += 1
        return written

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is not None:
            for path in self.paths:
                try:
                    os.unlink(path)
                except OSError:
                    pass
            self.paths = []


class Video:
    """lv_video: an `ffmpeg` child process encoding raw frames of height x width x channels
    (1 gray, 3 RGB) bytes into path (the container follows the extension).  fps, codec, crf,
    ffmpeg: None keeps the library defaults (25, "libx264", 18, "ffmpeg" on PATH); without
    the program, opening raises LavoisierError LV_ERR_UNSUPPORTED.  write() takes one frame
    (H, W[, C]) or many (n, H, W, C) uint8, e.g. the output of frames().  finish() waits for
    ffmpeg and renames the file into place; close() without finish() stops ffmpeg and deletes
    the unfinished file.  As a context manager it finishes on a normal exit and always
    closes."""

    def __init__(self, path, width, height, channels=1, fps=None, codec=None, crf=None,
                 ffmpeg=None):
        self.path = os.fspath(path)
        self.shape = (int(height), int(width), int(channels))
        p = L.VideoParams()
        L.lv_video_params_init(_byref(p))
        if fps is not None:
            p.fps = float(fps)
        self._strings = [None if s is None else s.encode() for s in (codec, ffmpeg)]
        if codec is not None:
            p.codec = self._strings[0]
        if crf is not None:
            p.crf = int(crf)
        if ffmpeg is not None:
            p.ffmpeg = self._strings[1]
        out = ctypes.c_void_p()
        L.lv_video_open(os.fsencode(self.path), int(width), int(height), int(channels),
                        _byref(p), _byref(out))
        self._h = Handle(out.value, L.lv_video_close)
        self.finished = False
        self.n_frames = 0

    @property
    def handle(self):
        if self._h is None:
            raise ValueError("the video %s is closed" % self.path)
        return self._h

    def write(self, frames_):
        a = np.ascontiguousarray(frames_)
        if a.dtype != np.uint8:
            raise ValueError("video frames must be uint8")
        if a.ndim == 2 or (a.ndim == 3 and a.shape == self.shape):
            a = a.reshape((1,) + self.shape)
        if a.ndim == 3 and self.shape[2] == 1:
            a = a.reshape(a.shape + (1,))
        if a.ndim != 4 or a.shape[1:] != self.shape:
            raise ValueError("frames must have shape (n, %d, %d, %d), not %s"
                             % (self.shape + (a.shape,)))
        L.lv_video_write(self.handle.ptr, _addr_or_none(a), a.shape[0])
        self.n_frames += a.shape[0]

    def finish(self):
        L.lv_video_finish(self.handle.ptr)
        self.finished = True

    def close(self):
        self._h = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        try:
            if exc_type is None and not self.finished and self._h is not None:
                self.finish()
        finally:
            self.close()


__all__ = ["frame_params", "frame_shape", "frames_count", "frames", "render", "write_png",
           "PngSequence", "Video"]
