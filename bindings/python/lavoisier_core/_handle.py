"""Ownership of C objects and zero-copy numpy views of their memory.

Every C object is owned by one Handle.  The Python objects users see (Context, Reader, Batch,
Writer) and every numpy view of C memory hold a reference to the Handle; the C destroy function
runs when the last reference goes away (a weakref.finalize, so also at interpreter exit, in reverse
order of creation: a batch before the context it was allocated from).  A Handle also keeps the
Handles it depends on alive (a batch its context, a reader its context, a writer its source
reader), so no C object is ever freed while another one still points into it.

close() on a user-facing object drops that object's reference: the C object is destroyed at once
unless a numpy view (or a dependent object) still uses it, in which case it is destroyed when the
last one goes.  This keeps every view valid for as long as it exists, without copying.
"""
import weakref

import numpy as np


def _destroy(destroy, ptr, _deps):
    # _deps is only here so that the finalizer holds the dependencies alive until this runs.
    destroy(ptr)


class Handle:
    __slots__ = ("ptr", "_finalizer", "__weakref__")

    def __init__(self, ptr, destroy, deps=()):
        self.ptr = ptr
        self._finalizer = weakref.finalize(self, _destroy, destroy, ptr,
                                           tuple(d for d in deps if d is not None))

    @property
    def alive(self):
        return self._finalizer.alive


class _ArrayOwner:
    """The base object of a zero-copy numpy array: exposes C memory through the array interface
    and keeps the Handle that owns that memory alive for as long as the array (or any array
    derived from it) exists."""

    __slots__ = ("__array_interface__", "handle")


def c_array(handle, address, n, dtype, writable=False):
    """A 1-D numpy array of n elements of dtype over C memory at address, owned by handle."""
    dtype = np.dtype(dtype)
    if n == 0 or not address:
        a = np.empty(0, dtype)
        a.flags.writeable = writable
        return a
    owner = _ArrayOwner()
    owner.handle = handle
    owner.__array_interface__ = {"version": 3, "shape": (int(n),), "typestr": dtype.str,
                                 "data": (int(address), not writable)}
    return np.asarray(owner)
