"""Batches (N records in CSR / struct-of-arrays form) as zero-copy numpy views."""
import ctypes

import numpy as np

from . import _lib as L
from ._handle import Handle, c_array

KINDS = {0: "spectrum", 1: "chromatogram"}
KIND_NUMBERS = {v: k for k, v in KINDS.items()}
REPRESENTATIONS = {0: "unknown", 1: "profile", 2: "centroid"}
_EXTRA_DTYPES = {0: np.float32, 1: np.float64, 2: np.int32, 3: np.int64, 4: np.uint8}

# Column name -> (view field, dtype, length: "n" records, "n1" records + 1, "p" points, writable)
_COLUMNS = {
    "offsets": ("offsets", np.uint64, "n1", False),
    "mz": ("mz", np.float64, "p", True),
    "intensity": ("intensity", np.float32, "p", True),
    "index": ("index", np.uint64, "n", False),
    "id_offsets": ("id_offsets", np.uint64, "n1", False),
    "ms_level": ("ms_level", np.uint8, "n", False),
    "rt": ("rt_seconds", np.float64, "n", False),
    "polarity": ("polarity", np.int8, "n", False),
    "representation": ("representation", np.uint8, "n", False),
    "precursor_mz": ("precursor_mz", np.float64, "n", False),
    "precursor_charge": ("precursor_charge", np.int32, "n", False),
    "precursor_intensity": ("precursor_intensity", np.float64, "n", False),
    "processed": ("processed", np.uint8, "n", False),
}


class Batch:
    """lv_batch: N spectra (or chromatograms) read or produced by the library.

    Columns are numpy arrays over the batch's own memory (no copy): ``offsets`` (N+1, uint64;
    record i is points [offsets[i], offsets[i+1])), ``mz`` (float64; time in seconds for
    chromatograms), ``intensity`` (float32), and per record ``index``, ``ms_level``, ``rt``
    (seconds, NaN when absent), ``polarity`` (+1/-1/0), ``representation`` (0 unknown, 1 profile,
    2 centroid), ``precursor_mz``, ``precursor_charge``, ``precursor_intensity``, ``processed``.
    ``mz`` and ``intensity`` are writable (the C API allows changing values in place); the other
    columns are read-only.  Every view keeps the batch's memory alive, also after close().
    ``batch[i]`` is a Spectrum whose mz/intensity are slices of those views.  A batch may be read
    by many threads at once."""

    def __init__(self, ptr, deps=()):
        """Takes ownership of the lv_batch* ptr; deps: Handles the batch needs (its context)."""
        self._h = Handle(ptr, L.lv_batch_destroy, deps)
        v = L.BatchView()
        v.size = ctypes.sizeof(L.BatchView)
        L.lv_batch_get_view(ptr, ctypes.byref(v))
        self.c_view = v  # the lv_batch_view: raw column addresses (for zero-copy checks, ctypes)
        self.kind = KINDS[v.kind]
        self.n_points = v.n_points
        self._n = v.n_records
        self._cols = {}
        self._ids = None

    # -- lifetime
    @property
    def handle(self):
        if self._h is None:
            raise ValueError("the batch is closed")
        return self._h

    @property
    def ptr(self):
        return self.handle.ptr

    def close(self):
        """Releases this object's reference; the C batch is freed once no numpy view of it
        remains."""
        self._h = None
        self._cols = {}

    @property
    def closed(self):
        return self._h is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- columns
    def column(self, name):
        a = self._cols.get(name)
        if a is None:
            field, dtype, length, writable = _COLUMNS[name]
            n = {"n": self._n, "n1": self._n + 1, "p": self.n_points}[length]
            a = c_array(self.handle, getattr(self.c_view, field), n, dtype, writable)
            self._cols[name] = a
        return a

    def __len__(self):
        return self._n

    @property
    def ids(self):
        """Native ids of the records (a list of str, decoded once from the batch's arena)."""
        if self._ids is None:
            # Python ints: with numpy 1.x, uint64 - int is a float and cannot slice.
            io = self.column("id_offsets").tolist()
            arena = ctypes.string_at(self.c_view.id_arena, int(io[-1])) if self._n else b""
            self._ids = [arena[io[i]:io[i + 1] - 1].decode("utf-8", "replace")
                         for i in range(self._n)]
        return self._ids

    def extras(self):
        """Extra arrays (neither m/z nor intensity): {name: (offsets, data)} as zero-copy views;
        record i has data[offsets[i]:offsets[i+1]].  ASCII arrays are uint8."""
        out = {}
        h = self.handle
        for k in range(self.c_view.n_extra):
            name, dt = ctypes.c_char_p(), ctypes.c_int()
            off, data = ctypes.c_void_p(), ctypes.c_void_p()
            L.lv_batch_extra(h.ptr, k, ctypes.byref(name), ctypes.byref(dt), ctypes.byref(off),
                             ctypes.byref(data))
            offsets = c_array(h, off.value, self._n + 1, np.uint64)
            values = c_array(h, data.value, int(offsets[-1]) if self._n else 0,
                             _EXTRA_DTYPES[dt.value])
            out[name.value.decode("utf-8", "replace")] = (offsets, values)
        return out

    # -- records
    def __getitem__(self, i):
        n = self._n
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("record %d of a batch of %d" % (i, n))
        return Spectrum(self, i)

    def __iter__(self):
        for i in range(self._n):
            yield Spectrum(self, i)

    def __repr__(self):
        if self._h is None:
            return "<lavoisier_core.Batch closed>"
        return "<lavoisier_core.Batch %d %s records, %d points>" % (self._n, self.kind,
                                                                      self.n_points)


def _column_property(name, doc):
    return property(lambda self: self.column(name), doc=doc)


for _name in _COLUMNS:
    setattr(Batch, _name, _column_property(_name, "zero-copy view of the %s column" % _name))


class Spectrum:
    """One record of a batch: ``mz`` and ``intensity`` are zero-copy slices of the batch's
    arrays (they keep the batch alive), plus its metadata.  Unpacks as ``mz, intensity = s``."""

    __slots__ = ("batch", "position", "mz", "intensity", "index", "id", "ms_level", "rt",
                 "polarity", "representation", "precursor_mz", "precursor_charge",
                 "precursor_intensity", "kind")

    def __init__(self, batch, i):
        off = batch.offsets
        a, b = int(off[i]), int(off[i + 1])
        self.batch = batch
        self.position = i
        self.kind = batch.kind
        self.mz = batch.mz[a:b]
        self.intensity = batch.intensity[a:b]
        self.index = int(batch.index[i])
        self.id = batch.ids[i]
        self.ms_level = int(batch.ms_level[i])
        self.rt = float(batch.rt[i])
        self.polarity = int(batch.polarity[i])
        self.representation = REPRESENTATIONS.get(int(batch.representation[i]), "unknown")
        self.precursor_mz = float(batch.precursor_mz[i])
        self.precursor_charge = int(batch.precursor_charge[i])
        self.precursor_intensity = float(batch.precursor_intensity[i])

    def __iter__(self):
        return iter((self.mz, self.intensity))

    def __repr__(self):
        return "<lavoisier_core.Spectrum %d %r MS%d rt=%.4g s, %d points>" % (
            self.index, self.id, self.ms_level, self.rt, len(self.mz))
