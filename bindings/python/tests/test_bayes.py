"""Bayesian fusion wrappers against numpy float64 log-sum-exp references (1e-6 relative; the
library's float64 path is ~1e-12), the float32 GEMM path at 1e-4, and the C error messages."""
import numpy as np
import pytest

import lavoisier_core as lc
from conftest import needs

pytestmark = needs("bayes")


def softmax_rows(logits):
    m = np.max(logits, axis=1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(logits - m)
    return e / e.sum(axis=1, keepdims=True)


def update_ref(likelihood, prior):
    """log prior + sum of log likelihoods over observed (non-NaN) evidence, log-sum-exp."""
    with np.errstate(divide="ignore"):
        logl = np.where(np.isnan(likelihood), 0.0, np.log(likelihood)).sum(axis=1)
        logp = np.log(prior / prior.sum()) if prior is not None else 0.0
    return softmax_rows((logl + logp)[np.newaxis])[0]


def test_bayes_update_equals_log_sum_exp_reference():
    rng = np.random.default_rng(11)
    for trial in range(200):
        n, m = int(rng.integers(1, 30)), int(rng.integers(0, 60))
        lk = rng.random((n, m)) * 10.0 ** rng.uniform(-200, 5, (n, m))  # underflows in linear
        lk[rng.random((n, m)) < 0.1] = np.nan  # evidence not observed
        if trial % 4 == 0 and m:
            lk[rng.integers(n), rng.integers(m)] = 0.0  # a hypothesis ruled out
        prior = None if trial % 3 == 0 else rng.random(n) + 0.01
        res = lc.bayes_update(lk, prior)
        ref = update_ref(lk, prior)
        if np.all(np.any(lk == 0, axis=1)):
            continue  # every hypothesis ruled out: the degenerate case, tested below
        assert not res.degenerate
        np.testing.assert_allclose(res.posterior, ref, rtol=1e-6, atol=1e-300)
        assert res.posterior.sum() == pytest.approx(1.0, abs=1e-12)
        zero = np.any(lk == 0, axis=1)
        assert np.all(res.posterior[zero] == 0.0)  # exactly 0, never NaN


def test_bayes_update_one_dimensional_and_degenerate():
    res = lc.bayes_update([0.2, 0.6, 0.2], prior=[1, 1, 2])
    np.testing.assert_allclose(res.posterior, [0.2 / 1.2, 0.6 / 1.2, 0.4 / 1.2], rtol=1e-12)
    res = lc.bayes_update([[0.0, 1.0], [1.0, 0.0]], prior=[1.0, 3.0])
    assert res.degenerate
    np.testing.assert_allclose(res.posterior, [0.25, 0.75])


def test_posterior_batch_equals_numpy_reference():
    rng = np.random.default_rng(12)
    for b, n, m in ((1, 1, 1), (7, 3, 5), (257, 33, 50), (1000, 8, 0)):
        e = rng.normal(0, 3, (b, m))
        w = rng.normal(0, 30, (n, m))  # log-likelihood sums of magnitude ~1e3
        c = rng.normal(0, 5, n)
        res = lc.posterior_batch(e, w, c)
        ref = softmax_rows(e @ w.T + c)
        assert res.posterior.shape == (b, n) and res.posterior.dtype == np.float64
        np.testing.assert_allclose(res.posterior, ref, rtol=1e-6, atol=1e-300)
        assert res.n_degenerate == 0
        # float32 path (SGEMM): moderate log-likelihoods keep ~1e-4
        w32 = (w / 30).astype(np.float32)
        e32, c32 = e.astype(np.float32), c.astype(np.float32)
        r32 = lc.posterior_batch(e32, w32, c32)
        assert r32.posterior.dtype == np.float32
        ref32 = softmax_rows(e32.astype(np.float64) @ w32.astype(np.float64).T + c32)
        np.testing.assert_allclose(r32.posterior, ref32, rtol=1e-4, atol=1e-6)


def test_posterior_batch_degenerate_rows_and_out():
    e = np.ones((4, 2))
    w = np.ones((3, 2))
    c = np.full(3, -np.inf)
    out = np.full((4, 3), -1.0)
    res = lc.posterior_batch(e, w, c, out=out)
    assert res.posterior is out and res.n_degenerate == 4
    np.testing.assert_allclose(out, 1.0 / 3)
    c[1] = 0.0  # only hypothesis 1 has prior mass
    np.testing.assert_allclose(lc.posterior_batch(e, w, c).posterior, [[0, 1, 0]] * 4)
    with pytest.raises(ValueError, match="out must be"):
        lc.posterior_batch(e, w, c, out=np.empty((4, 3), np.float32))


def test_bernoulli_weights_give_the_bernoulli_posterior():
    rng = np.random.default_rng(13)
    n, m, b = 6, 12, 50
    p = rng.uniform(0.02, 0.98, (n, m))
    p[0, 0] = 0.0  # clamped to 1e-12
    prior = rng.random(n) + 0.1
    w, c = lc.weights_from_bernoulli(p, prior)
    pc = np.clip(p, 1e-12, 1 - 1e-12)
    np.testing.assert_allclose(w, np.log(pc / (1 - pc)), rtol=1e-12)
    np.testing.assert_allclose(c, np.log(prior / prior.sum()) + np.log1p(-pc).sum(axis=1),
                               rtol=1e-12)
    ev = (rng.random((b, m)) < 0.5).astype(np.float64)
    post = lc.posterior_batch(ev, w, c).posterior
    for k in range(b):  # the same as one bayes_update per observation
        lk = np.where(ev[k] > 0, pc, 1 - pc)
        np.testing.assert_allclose(post[k], lc.bayes_update(lk, prior).posterior, rtol=1e-9,
                                   atol=1e-300)


def test_bayes_errors_carry_the_c_message():
    cases = [
        (lambda: lc.bayes_update([[0.5, -1.0]]), "lv_bayes_update", "likelihood[1]"),
        (lambda: lc.bayes_update([0.5, 0.5], prior=[0.0, 0.0]), "lv_bayes_update",
         "the priors sum to 0"),
        (lambda: lc.bayes_update(np.empty((0, 2))), "lv_bayes_update", "n_hypotheses is 0"),
        (lambda: lc.posterior_batch(np.full((1, 1), np.inf), np.ones((1, 1)), np.zeros(1)),
         "lv_bayes_posterior_batch", "must be finite"),
        (lambda: lc.posterior_batch(np.full((1, 1), np.nan, np.float32),
                                    np.ones((1, 1), np.float32), np.zeros(1, np.float32)),
         "lv_bayes_posterior_batch_f32", "must be finite"),
        (lambda: lc.weights_from_bernoulli([[1.5]]), "lv_bayes_weights_from_bernoulli",
         "not a probability"),
        (lambda: lc.weights_from_bernoulli([[0.5]], prior=[-1.0]),
         "lv_bayes_weights_from_bernoulli", "prior[0]"),
    ]
    for call, fn, text in cases:
        with pytest.raises(lc.LavoisierError) as e:
            call()
        assert e.value.function == fn and e.value.name == "LV_ERR_INVALID_ARGUMENT", e.value
        assert text in e.value.message, e.value.message
    with pytest.raises(ValueError, match="columns"):
        lc.posterior_batch(np.ones((2, 3)), np.ones((2, 2)), np.zeros(2))
