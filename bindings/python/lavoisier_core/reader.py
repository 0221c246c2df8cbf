"""The mzML reader."""
import ctypes
import math
import os
import threading
from dataclasses import dataclass

from . import _lib as L
from ._handle import Handle
from .batch import KIND_NUMBERS, Batch

INDEX_STATES = {0: "valid", 1: "none", 2: "rebuilt-missing", 3: "rebuilt-stale",
                4: "rebuilt-forced"}
CHECKSUM_STATES = {0: "not checked", 1: "matches", 2: "differs", 3: "absent"}


@dataclass(frozen=True)
class FileInfo:
    """lv_file_info, with its strings copied into Python."""
    n_spectra: int
    n_chromatograms: int
    file_bytes: int
    compressed_bytes: int
    gzip: bool
    index_state: str
    index_message: str
    checksum_state: str
    mzml_version: str
    writer_software: str
    encodings_seen: int


def _s(b):
    return b.decode("utf-8", "replace") if b else ""


class Reader:
    """lv_reader over one mzML / indexedmzML / .mzML.gz file (or "-" / a FIFO).

    Thread rules: the C reader is used by one thread at a time, so this class serializes its
    calls with a lock (sharing a Reader between threads is safe but not parallel, and streaming
    position is shared).  For parallel reading, open one Reader per thread: separate readers on
    the same file run in parallel, because ctypes releases the GIL during every C call.

    ``context``: a Context whose threads decode the arrays (None = a private 1-thread pool).
    ``batch_points``: point budget per streamed batch (None = the library default, 4,000,000)."""

    def __init__(self, path, context=None, batch_points=None, rebuild_index=False,
                 verify_checksum=False):
        self.path = os.fspath(path)
        p = L.ReaderParams()
        L.lv_reader_params_init(ctypes.byref(p))
        ctx_h = context.handle if context is not None else None
        p.context = ctx_h.ptr if ctx_h else None
        if batch_points is not None:
            p.batch_points = int(batch_points)
        p.rebuild_index = 1 if rebuild_index else 0
        p.verify_checksum = 1 if verify_checksum else 0
        out = ctypes.c_void_p()
        L.lv_reader_open(os.fsencode(self.path), ctypes.byref(p), ctypes.byref(out))
        self._ctx_h = ctx_h
        self._h = Handle(out.value, L.lv_reader_close, (ctx_h,))
        self._lock = threading.Lock()
        self._info = None

    # -- lifetime
    @property
    def handle(self):
        if self._h is None:
            raise ValueError("the reader of %s is closed" % self.path)
        return self._h

    def close(self):
        """Closes the reader (at once, unless a Writer still reads from it: then when the writer
        goes).  Batches already read stay valid: they own their memory."""
        self._h = None
        self._ctx_h = None

    @property
    def closed(self):
        return self._h is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _batch(self, out):
        return Batch(out.value, (self._ctx_h,))

    # -- file facts
    @property
    def info(self):
        """FileInfo (encodings_seen grows as arrays are read, so it is read afresh each time)."""
        fi = L.FileInfo()
        fi.size = ctypes.sizeof(L.FileInfo)
        with self._lock:
            L.lv_reader_info(self.handle.ptr, ctypes.byref(fi))
        return FileInfo(fi.n_spectra, fi.n_chromatograms, fi.file_bytes, fi.compressed_bytes,
                        bool(fi.gzip), INDEX_STATES.get(fi.index_state, str(fi.index_state)),
                        _s(fi.index_message), CHECKSUM_STATES.get(fi.checksum_state, "?"),
                        _s(fi.mzml_version), _s(fi.writer_software), fi.encodings_seen)

    def _counts(self):
        if self._info is None:
            self._info = self.info
        return self._info

    def __len__(self):
        return self._counts().n_spectra

    # -- streaming
    def batches(self, start=0):
        """Streams spectra in document order from spectrum `start`, one Batch at a time."""
        h = self.handle
        with self._lock:
            L.lv_reader_seek(h.ptr, int(start))
        out = ctypes.c_void_p()
        while True:
            with self._lock:
                L.lv_reader_next(h.ptr, ctypes.byref(out))
            if not out.value:
                return
            yield self._batch(out)

    def __iter__(self):
        return self.batches()

    # -- random access
    def read(self, first, count, kind="spectrum"):
        """Records [first, first + count) of the kind ("spectrum" or "chromatogram") as a Batch."""
        out = ctypes.c_void_p()
        with self._lock:
            L.lv_reader_read(self.handle.ptr, KIND_NUMBERS[kind], int(first), int(count),
                             ctypes.byref(out))
        return self._batch(out)

    def __getitem__(self, key):
        """reader[i] -> Spectrum (negative i counts from the end); reader[a:b] -> Batch."""
        n = len(self)
        if isinstance(key, slice):
            a, b, step = key.indices(n)
            if step != 1:
                raise ValueError("reader slices take no step")
            return self.read(a, max(0, b - a))
        i = int(key)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("spectrum %d of %d in %s" % (int(key), n, self.path))
        return self.read(i, 1)[0]

    def chromatograms(self):
        """Every chromatogram of the file as one Batch (kind "chromatogram")."""
        return self.read(0, self._counts().n_chromatograms, "chromatogram")

    def find_id(self, native_id, kind="spectrum"):
        """The document-order index of the record with this native id (LavoisierError
        LV_ERR_NOT_FOUND if none)."""
        idx = ctypes.c_uint64()
        with self._lock:
            L.lv_reader_find_id(self.handle.ptr, KIND_NUMBERS[kind], native_id.encode(),
                                ctypes.byref(idx))
        return idx.value

    def by_id(self, native_id, kind="spectrum"):
        """The record with this native id, as a Spectrum."""
        return self.read(self.find_id(native_id, kind), 1, kind)[0]

    def find_rt(self, rt_min, rt_max):
        """(first, count): the spectra whose scan start time lies in [rt_min, rt_max] seconds."""
        first, count = ctypes.c_uint64(), ctypes.c_uint64()
        with self._lock:
            L.lv_reader_find_rt(self.handle.ptr, float(rt_min), float(rt_max),
                                ctypes.byref(first), ctypes.byref(count))
        return first.value, count.value

    def by_rt(self, rt, rt_max=None):
        """by_rt(t): the spectrum whose scan start time is nearest to t seconds (None if no
        spectrum has one).  by_rt(lo, hi): a Batch of the spectra in [lo, hi] seconds."""
        if rt_max is not None:
            first, count = self.find_rt(rt, rt_max)
            return self.read(first, count)
        candidates = []
        first, count = self.find_rt(-math.inf, rt)
        if count:
            candidates.append(first + count - 1)
        first, count = self.find_rt(rt, math.inf)
        if count:
            candidates.append(first)
        if not candidates:
            return None
        spectra = [self.read(i, 1)[0] for i in candidates]
        return min(spectra, key=lambda s: abs(s.rt - rt))

    def __repr__(self):
        state = "closed" if self._h is None else "%d spectra" % len(self)
        return "<lavoisier_core.Reader %s, %s>" % (self.path, state)


def open(path, context=None, batch_points=None, rebuild_index=False, verify_checksum=False):
    """Opens an mzML file: returns a Reader (use it as a context manager or close() it)."""
    return Reader(path, context=context, batch_points=batch_points, rebuild_index=rebuild_index,
                  verify_checksum=verify_checksum)
