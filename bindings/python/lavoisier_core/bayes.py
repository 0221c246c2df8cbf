"""Bayesian fusion (issue #5): one observation at a time (bayes_update) or many at once in the
log-linear form of a naive Bayes network (posterior_batch), on 2-D numpy arrays (row-major,
converted once when not already C-contiguous float64 / float32)."""
import ctypes
from collections import namedtuple

import numpy as np

from . import _lib as L
from .ops import _addr, _ctx

_byref = ctypes.byref

BayesUpdate = namedtuple("BayesUpdate", "posterior degenerate")
BayesUpdate.__doc__ = """bayes_update result: posterior (N float64, sum 1) and degenerate (True
when every hypothesis had zero joint probability, so posterior is the normalized prior)."""
PosteriorBatch = namedtuple("PosteriorBatch", "posterior n_degenerate")
PosteriorBatch.__doc__ = """posterior_batch result: posterior [B x N] and the number of rows that
were degenerate (every bias -inf; given the uniform posterior 1/N)."""


def _matrix(a, dtype, what, cols=None):
    m = np.ascontiguousarray(a, dtype=dtype)
    if m.ndim == 1 and cols is not None:
        m = m.reshape(-1, cols) if cols else m.reshape(m.size, 0)
    if m.ndim != 2:
        raise ValueError("%s must be 2-D, not of shape %s" % (what, m.shape))
    return m


def _u32(n, what):
    if not 0 <= n < 1 << 32:
        raise ValueError("%s = %d does not fit in uint32" % (what, n))
    return n


def bayes_update(likelihood, prior=None, context=None):
    """lv_bayes_update: posterior[i] proportional to prior[i] * prod_j likelihood[i, j] for N
    hypotheses (rows) and M pieces of evidence (columns; a 1-D likelihood is one piece of
    evidence).  NaN likelihoods mean "not observed" and are ignored; prior None = uniform.
    Computed in log space with log-sum-exp.  Returns BayesUpdate(posterior, degenerate)."""
    lk = np.ascontiguousarray(likelihood, dtype=np.float64)
    if lk.ndim == 1:
        lk = lk.reshape(-1, 1)
    if lk.ndim != 2:
        raise ValueError("likelihood must be 1-D or 2-D (hypotheses x evidence)")
    n, m = lk.shape
    _u32(n, "n_hypotheses"), _u32(m, "n_evidence")
    pr = None
    if prior is not None:
        pr = np.ascontiguousarray(prior, dtype=np.float64)
        if pr.shape != (n,):
            raise ValueError("prior must have one value per hypothesis (%d), not shape %s"
                             % (n, pr.shape))
    post = np.empty(n, np.float64)
    outcome = ctypes.c_int(0)
    L.lv_bayes_update(_ctx(context), n, m, _addr(lk) if lk.size else None,
                      _addr(pr) if pr is not None and pr.size else None, _addr(post) if n else
                      None, _byref(outcome))
    return BayesUpdate(post, outcome.value == 1)


def posterior_batch(evidence, weights, bias, out=None, precision=None, context=None):
    """lv_bayes_posterior_batch(_f32): posterior = row-softmax(evidence @ weights.T + bias) for
    evidence [B x M], weights [N x M], bias [N] (log prior plus constant log-likelihood terms;
    -inf = zero prior).  precision "float64" (default unless every input is float32) or
    "float32" (SGEMM, ~1e-4 relative for moderate log-likelihoods).  out: a caller array
    [B x N] of that dtype to fill.  Returns PosteriorBatch(posterior, n_degenerate)."""
    if precision is None:
        f32 = all(isinstance(a, np.ndarray) and a.dtype == np.float32
                  for a in (evidence, weights, bias))
        precision = "float32" if f32 else "float64"
    if precision not in ("float64", "float32"):
        raise ValueError("precision must be 'float64' or 'float32'")
    dt = np.float64 if precision == "float64" else np.float32
    w = _matrix(weights, dt, "weights")
    n, m = w.shape
    e = _matrix(evidence, dt, "evidence", cols=m)
    c = np.ascontiguousarray(bias, dtype=dt)
    if e.shape[1] != m:
        raise ValueError("evidence has %d columns, weights %d" % (e.shape[1], m))
    if c.shape != (n,):
        raise ValueError("bias must have one value per hypothesis (%d), not shape %s"
                         % (n, c.shape))
    b = e.shape[0]
    _u32(n, "n_hypotheses"), _u32(m, "n_evidence")
    if out is None:
        out = np.empty((b, n), dt)
    elif not (out.dtype == dt and out.shape == (b, n) and out.flags.c_contiguous and
              out.flags.writeable):
        raise ValueError("out must be a writable C-contiguous %s array of shape %s"
                         % (precision, (b, n)))
    fn = L.lv_bayes_posterior_batch if dt is np.float64 else L.lv_bayes_posterior_batch_f32
    nd = ctypes.c_uint64(0)
    a = (lambda x: _addr(x) if x.size else None)
    fn(_ctx(context), b, n, m, a(e), a(w), a(c), a(out), _byref(nd))
    return PosteriorBatch(out, int(nd.value))


def weights_from_bernoulli(p, prior=None):
    """lv_bayes_weights_from_bernoulli: (weights [N x M], bias [N]) for posterior_batch from
    p[i, j] = P(evidence j present | hypothesis i): weights = logit(p), bias = log prior +
    sum_j log(1 - p) (p clamped to [1e-12, 1 - 1e-12]; prior None = uniform, normalized
    here)."""
    pm = _matrix(p, np.float64, "p")
    n, m = pm.shape
    _u32(n, "n_hypotheses"), _u32(m, "n_evidence")
    pr = None
    if prior is not None:
        pr = np.ascontiguousarray(prior, dtype=np.float64)
        if pr.shape != (n,):
            raise ValueError("prior must have one value per hypothesis (%d)" % n)
    w = np.empty((n, m), np.float64)
    c = np.empty(n, np.float64)
    a = (lambda x: _addr(x) if x is not None and x.size else None)
    L.lv_bayes_weights_from_bernoulli(n, m, a(pm), a(pr), a(w), a(c))
    return w, c


__all__ = ["bayes_update", "posterior_batch", "weights_from_bernoulli", "BayesUpdate",
           "PosteriorBatch"]
