"""Compound databases and annotation (issue #5): accurate-mass candidates of every centroid with
Bayesian posteriors fusing ppm error, M+1/M+2 isotope evidence and adduct priors.

CompoundDB opens the mapping / structures / adduct tables (OpenMS's formats; the defaults are the
openms-common tables).  annotate() returns an Annotation whose columns are zero-copy numpy views
of the C result; each view keeps the result (and the result its database) alive."""
import ctypes
import os
from collections import namedtuple

import numpy as np

from . import _lib as L
from ._handle import Handle, c_array
from .batch import Batch, Spectrum
from .context import default_context
from .ops import _addr, _csr, _f32, _f64

_byref = ctypes.byref

Compound = namedtuple("Compound", "index mass formula ids name isotope_m1 isotope_m2")
Adduct = namedtuple("Adduct", "index name charge multiplier mass")

_KEEP = object()  # "use the library default"


def _path(value):
    if value is _KEEP:
        return _KEEP
    if value is None:
        return b""  # NULL and "" both mean "none" for the optional tables
    return os.fsencode(os.fspath(value))


class CompoundDB:
    """lv_compound_db: entries in ascending mass order (db[i] -> Compound) and the positive /
    negative adduct lists (db.adducts(+1) -> [Adduct]).  Arguments left out keep the library's
    defaults (the openms-common HMDB tables under /usr/share/openms/CHEMISTRY); None for
    structures or an adduct list means "none".  Read-only once open: share it between threads.
    A context manager; close() releases this object's reference (annotations made from it keep
    the C database alive)."""

    def __init__(self, mapping=_KEEP, structures=_KEEP, positive_adducts=_KEEP,
                 negative_adducts=_KEEP):
        p = L.CompoundDbParams()
        L.lv_compound_db_params_init(_byref(p))
        if mapping is None:
            raise ValueError("mapping is required (leave it out for the library default)")
        self._paths = []
        for field, value in (("mapping", mapping), ("structures", structures),
                             ("positive_adducts", positive_adducts),
                             ("negative_adducts", negative_adducts)):
            v = _path(value)
            if v is not _KEEP:
                self._paths.append(v)  # kept alive for the call
                setattr(p, field, v)
        out = ctypes.c_void_p()
        L.lv_compound_db_open(_byref(p), _byref(out))
        self._h = Handle(out.value, L.lv_compound_db_destroy)
        self._masses = None

    @property
    def handle(self):
        if self._h is None:
            raise ValueError("the compound database is closed")
        return self._h

    @property
    def ptr(self):
        return self.handle.ptr

    def close(self):
        self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __len__(self):
        return int(L.lv_compound_db_count(self.ptr))

    def __getitem__(self, i):
        n = len(self)
        i = int(i)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("entry %d of a database of %d" % (i, n))
        info = L.CompoundInfo()
        info.size = ctypes.sizeof(info)
        L.lv_compound_db_get(self.ptr, i, _byref(info))
        d = (lambda b: b.decode("utf-8", "replace") if b is not None else "")
        return Compound(i, info.mass, d(info.formula), d(info.ids), d(info.name),
                        info.isotope_m1, info.isotope_m2)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    @property
    def masses(self):
        """Neutral monoisotopic masses of all entries (float64, ascending; computed once)."""
        if self._masses is None:
            self._masses = np.array([c.mass for c in self], dtype=np.float64)
            self._masses.flags.writeable = False
        return self._masses

    def adducts(self, polarity=1):
        """The adduct list of one polarity (+1 or -1), in file order."""
        if polarity not in (1, -1):
            raise ValueError("polarity must be +1 or -1")
        out = []
        for k in range(L.lv_compound_db_adduct_count(self.ptr, polarity)):
            a = L.AdductInfo()
            a.size = ctypes.sizeof(a)
            L.lv_compound_db_adduct(self.ptr, polarity, k, _byref(a))
            out.append(Adduct(k, a.name.decode("utf-8", "replace"), a.charge, a.multiplier,
                              a.mass))
        return out


# Annotation columns: name -> (dtype, length "p" peaks, "p1" peaks + 1, "r" rows)
_COLUMNS = {
    "peak_offsets": (np.uint64, "p1"), "peak_spectrum": (np.uint64, "p"),
    "peak_point": (np.uint64, "p"), "peak_mz": (np.float64, "p"),
    "peak_intensity": (np.float32, "p"), "peak_rt": (np.float64, "p"),
    "peak_polarity": (np.int8, "p"), "peak_n_candidates": (np.uint32, "p"),
    "no_match_posterior": (np.float64, "p"), "compound": (np.uint64, "r"),
    "adduct": (np.uint32, "r"), "theoretical_mz": (np.float64, "r"),
    "ppm_error": (np.float64, "r"), "isotope_score": (np.float64, "r"),
    "posterior": (np.float64, "r"),
}


class Annotation:
    """lv_annotation: per annotated peak p (peak_* columns, no_match_posterior) its candidate
    rows [peak_offsets[p], peak_offsets[p+1]), best first (compound, adduct, theoretical_mz,
    ppm_error, isotope_score, posterior).  Every column is a read-only zero-copy numpy view that
    keeps the result alive.  ``db`` is the CompoundDB the compound/adduct indices refer to."""

    def __init__(self, ptr, db, ctx_handle):
        self._h = Handle(ptr, L.lv_annotation_destroy, (db.handle, ctx_handle))
        self.db = db
        v = L.AnnotationView()
        v.size = ctypes.sizeof(v)
        L.lv_annotation_get_view(ptr, _byref(v))
        self.c_view = v
        self.n_peaks = int(v.n_peaks)
        self.n_rows = int(v.n_rows)
        sizes = {"p": self.n_peaks, "p1": self.n_peaks + 1, "r": self.n_rows}
        for name, (dtype, length) in _COLUMNS.items():
            setattr(self, name, c_array(self._h, getattr(v, name), sizes[length], dtype))

    def __len__(self):
        return self.n_peaks

    @property
    def row_peak(self):
        """The peak of every row (int64, computed from peak_offsets)."""
        counts = np.diff(self.peak_offsets.astype(np.int64))
        return np.repeat(np.arange(self.n_peaks, dtype=np.int64), counts)

    def candidates(self, p):
        """Peak p's candidates, best first, as a list of dicts (compound entry and adduct
        resolved through the database)."""
        a, b = int(self.peak_offsets[p]), int(self.peak_offsets[p + 1])
        adducts = self.db.adducts(int(self.peak_polarity[p]))
        return [{"compound": self.db[int(self.compound[r])],
                 "adduct": adducts[int(self.adduct[r])],
                 "theoretical_mz": float(self.theoretical_mz[r]),
                 "ppm_error": float(self.ppm_error[r]),
                 "isotope_score": float(self.isotope_score[r]),
                 "posterior": float(self.posterior[r])} for r in range(a, b)]

    def records(self):
        """All rows as one numpy structured array (a copy): peak, spectrum, peak m/z,
        compound, adduct, theoretical m/z, ppm error, isotope score, posterior."""
        rp = self.row_peak
        rec = np.empty(self.n_rows, dtype=[
            ("peak", np.int64), ("spectrum", np.uint64), ("peak_mz", np.float64),
            ("compound", np.uint64), ("adduct", np.uint32), ("theoretical_mz", np.float64),
            ("ppm_error", np.float64), ("isotope_score", np.float64),
            ("posterior", np.float64)])
        rec["peak"] = rp
        rec["spectrum"] = self.peak_spectrum[rp]
        rec["peak_mz"] = self.peak_mz[rp]
        for name in ("compound", "adduct", "theoretical_mz", "ppm_error", "isotope_score",
                     "posterior"):
            rec[name] = getattr(self, name)
        return rec

    def __repr__(self):
        return "<lavoisier_core.Annotation %d peaks, %d candidate rows>" % (self.n_peaks,
                                                                            self.n_rows)


def annotate_params(ppm=None, sigma_ppm=None, polarity=0, top_k=None, no_match_prior=None,
                    isotopes=True, isotope_ppm=None, isotope_sd_abs=None, isotope_sd_rel=None,
                    min_intensity=None, ms_levels=None):
    p = L.AnnotateParams()
    L.lv_annotate_params_init(_byref(p))
    for name, value in (("ppm", ppm), ("sigma_ppm", sigma_ppm),
                        ("no_match_prior", no_match_prior), ("isotope_ppm", isotope_ppm),
                        ("isotope_sd_abs", isotope_sd_abs), ("isotope_sd_rel", isotope_sd_rel),
                        ("min_intensity", min_intensity)):
        if value is not None:
            setattr(p, name, float(value))
    if polarity not in (-1, 0, 1):
        raise ValueError("polarity must be -1, 0 or +1")
    p.polarity = polarity
    if top_k is not None:
        p.top_k = int(top_k)
    p.isotopes = 1 if isotopes else 0
    if ms_levels is not None:
        p.ms_levels = sum(1 << int(level) for level in set(ms_levels))
    return p


def _weights(w, db, polarity):
    if w is None:
        return None
    a = np.ascontiguousarray(w, dtype=np.float64)
    n = L.lv_compound_db_adduct_count(db.ptr, polarity)
    if a.shape != (n,):
        raise ValueError("%s adduct weights need %d values (one per adduct), not shape %s"
                         % ("positive" if polarity > 0 else "negative", n, a.shape))
    return a


def annotate(db, mz, intensity=None, offsets=None, rt=None, ppm=None, sigma_ppm=None,
             polarity=0, top_k=None, no_match_prior=None, adduct_weights=None,
             negative_adduct_weights=None, isotopes=True, isotope_ppm=None, isotope_sd_abs=None,
             isotope_sd_rel=None, min_intensity=None, ms_levels=None, context=None):
    """Annotates every centroid against db (lv_annotate; a Batch: lv_annotate_batch, centroid
    spectra of the MS levels in ms_levels, default (1,)).  Input: a Batch, a Spectrum, or m/z and
    intensity arrays (1-D, or CSR with offsets; m/z ascending within each spectrum) with rt
    (seconds per spectrum, or None).  None keeps the library defaults (ppm 5, sigma_ppm 2, top_k
    5, no_match_prior 0.1, isotope_ppm 5, isotope sd 0.02 + 0.1 r).  polarity 0: each
    spectrum's polarity (positive when unknown).  adduct_weights: relative prior per adduct of
    the positive list (negative_adduct_weights: of the negative list).  Returns an
    Annotation."""
    p = annotate_params(ppm, sigma_ppm, polarity, top_k, no_match_prior, isotopes, isotope_ppm,
                        isotope_sd_abs, isotope_sd_rel, min_intensity, ms_levels)
    wpos = _weights(adduct_weights, db, 1)
    wneg = _weights(negative_adduct_weights, db, -1)
    p.adduct_weights = _addr(wpos) if wpos is not None and wpos.size else None
    p.negative_adduct_weights = _addr(wneg) if wneg is not None and wneg.size else None
    ctx = context if context is not None else default_context()
    out = ctypes.c_void_p()
    if isinstance(mz, Batch):
        L.lv_annotate_batch(ctx.ptr, db.ptr, _byref(p), mz.ptr, _byref(out))
        return Annotation(out.value, db, ctx.handle)
    if isinstance(mz, Spectrum):
        if rt is None and mz.rt == mz.rt:
            rt = [mz.rt]
        mz, intensity = mz.mz, mz.intensity
    if intensity is None:
        raise TypeError("annotate needs a Batch, a Spectrum, or mz and intensity arrays")
    m, x = _f64(mz), _f32(intensity)
    if m.shape != x.shape or m.ndim != 1:
        raise ValueError("mz and intensity must be 1-D arrays of one length")
    off, n, _ = _csr(x.size, offsets)
    t = None
    if rt is not None:
        t = _f64(np.atleast_1d(rt))
        if t.shape != (n,):
            raise ValueError("rt needs one value per spectrum (%d), not shape %s" % (n, t.shape))
    addr = (lambda a: _addr(a) if a is not None and a.size else None)
    L.lv_annotate(ctx.ptr, db.ptr, _byref(p), n, _addr(off), addr(m), addr(x), addr(t),
                  _byref(out))
    return Annotation(out.value, db, ctx.handle)


__all__ = ["CompoundDB", "Annotation", "Compound", "Adduct", "annotate"]
