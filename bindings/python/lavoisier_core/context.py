"""Contexts: the backend (CPU thread pool, or a CUDA device) that operations run on."""
import ctypes
import threading

from . import _lib as L
from ._handle import Handle

_DEVICES = {"auto": 0, "cpu": 1, "cuda": 2}
_DEVICE_NAMES = {1: "cpu", 2: "cuda"}


class Context:
    """lv_context: the chosen backend, the CPU thread pool and (with CUDA) the device's streams.

    ``device`` is "auto" (CUDA when a device and the CUDA backend are present, else CPU; the
    LV_DEVICE environment variable overrides "auto"), "cpu" or "cuda".  ``threads`` = 0 uses every
    online CPU.  A context may be shared by any number of threads.  Readers, batches and writers
    created with it keep it alive, so close() only releases this object's reference."""

    def __init__(self, device="auto", cuda_device=0, threads=0):
        if device not in _DEVICES:
            raise ValueError("device must be one of %s, not %r" % (sorted(_DEVICES), device))
        p = L.ContextParams()
        L.lv_context_params_init(ctypes.byref(p))
        p.device = _DEVICES[device]
        p.cuda_device = int(cuda_device)
        p.n_threads = int(threads)
        out = ctypes.c_void_p()
        L.lv_context_create(ctypes.byref(p), ctypes.byref(out))
        self._h = Handle(out.value, L.lv_context_destroy)

    @property
    def handle(self):
        if self._h is None:
            raise ValueError("the context is closed")
        return self._h

    @property
    def ptr(self):
        return self.handle.ptr

    @property
    def device(self):
        """"cpu" or "cuda" (never "auto")."""
        return _DEVICE_NAMES[L.lv_context_device(self.ptr)]

    @property
    def backend_name(self):
        """"cpu" or "cuda:<ordinal> <device name>"."""
        return L.lv_context_backend_name(self.ptr).decode()

    @property
    def threads(self):
        return L.lv_context_threads(self.ptr)

    def close(self):
        self._h = None

    @property
    def closed(self):
        return self._h is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        if self._h is None:
            return "<lavoisier_core.Context closed>"
        return "<lavoisier_core.Context %s, %d threads>" % (self.backend_name, self.threads)


_default = None
_default_lock = threading.Lock()


def default_context():
    """The process-wide Context(device="auto") used by operations called without one (created on
    first use; shared by all threads)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Context()
    return _default


def cuda_device_count():
    """Usable CUDA devices (0 without a CUDA backend, driver or device).  Never fails."""
    return L.lv_cuda_device_count()
