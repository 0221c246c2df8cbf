"""The indexed mzML writer."""
import ctypes
import os

from . import _lib as L
from ._handle import Handle


class Writer:
    """lv_writer: an indexed mzML 1.1 copy of the file `source` (an open Reader) at `path`, in
    which the processed spectra of the batches passed to write() replace the originals.

    Batches must come in increasing spectrum order; skipped spectra are copied byte for byte.
    finish() completes the file (index, SHA-1) and renames it to path; close() without finish()
    deletes the unfinished output.  As a context manager it finishes on a normal exit and always
    closes.  The writer keeps the source reader's C object alive until it is closed.  One writer
    is used by one thread at a time."""

    def __init__(self, path, source, processing=None, peak_picking=False, compress=True,
                 context=None):
        self.path = os.fspath(path)
        p = L.WriterParams()
        L.lv_writer_params_init(ctypes.byref(p))
        ctx_h = context.handle if context is not None else None
        p.context = ctx_h.ptr if ctx_h else None
        self._processing = processing.encode() if processing is not None else None
        p.processing = self._processing
        p.peak_picking = 1 if peak_picking else 0
        p.compress = 1 if compress else 0
        src_h = source.handle
        out = ctypes.c_void_p()
        L.lv_writer_open(os.fsencode(self.path), src_h.ptr, ctypes.byref(p), ctypes.byref(out))
        self._h = Handle(out.value, L.lv_writer_close, (src_h, ctx_h))
        self.finished = False

    @property
    def handle(self):
        if self._h is None:
            raise ValueError("the writer of %s is closed" % self.path)
        return self._h

    def write(self, batch):
        L.lv_writer_write(self.handle.ptr, batch.ptr)

    def finish(self):
        L.lv_writer_finish(self.handle.ptr)
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
