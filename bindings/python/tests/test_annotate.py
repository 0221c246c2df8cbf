"""Compound database and annotation on tiny tables written by the test (OpenMS's TSV formats as
the C docs describe them): the expected compound and adduct win, the result's columns are
zero-copy views that keep it alive, and errors carry the C message."""
import ctypes
import gc

import numpy as np
import pytest

import lavoisier_core as lc
from lavoisier_core import _lib
from conftest import needs

pytestmark = needs("annotate")

GLUCOSE = 180.063388104  # C6H12O6 monoisotopic (PubChem)
CAFFEINE = 194.080375584  # C8H10N4O2
NA, H, E = 22.9897692809, 1.00782503207, 0.00054857990946  # Na, H atoms; electron


@pytest.fixture
def tables(tmp_path):
    (tmp_path / "map.tsv").write_text(
        "database_name\tTEST\ndatabase_version\t1\n"
        "0\tC8H10N4O2\tCAF1\n"            # mass 0: computed from the formula
        "180.063388\tC6H12O6\tGLC1\tGLC2\n"
        "342.116212\tC12H22O11\tSUC1\n")
    (tmp_path / "names.tsv").write_text("GLC1\tglucose\tC(C1C(C(C(C(O1)O)O)O)O)O\tInChI=x\n"
                                        "CAF1\tcaffeine\tCN1C=NC2=C1C(=O)N(C(=O)N2C)C\tInChI=y\n")
    (tmp_path / "pos.tsv").write_text("M+H;1+\nM+Na;1+\n2M+H;1+\n")
    (tmp_path / "neg.tsv").write_text("M-H;1-\n")
    return tmp_path


def open_db(d):
    return lc.CompoundDB(d / "map.tsv", d / "names.tsv", d / "pos.tsv", d / "neg.tsv")


def test_compound_db_entries_and_adducts(tables):
    with open_db(tables) as db:
        assert len(db) == 3
        assert np.all(np.diff(db.masses) > 0)  # ascending mass order
        glc, caf, suc = db[0], db[1], db[2]
        assert (glc.formula, glc.ids, glc.name) == ("C6H12O6", "GLC1,GLC2", "glucose")
        assert caf.mass == pytest.approx(CAFFEINE, abs=2e-5) and caf.name == "caffeine"
        assert suc.name == "" and db[-1] == suc
        assert 0.05 < glc.isotope_m1 < 0.08  # 6 C: ~6.5 % M+1
        pos = db.adducts(+1)
        assert [a.name for a in pos] == ["M+H;1+", "M+Na;1+", "2M+H;1+"]
        assert [(a.charge, a.multiplier) for a in pos] == [(1, 1), (1, 1), (1, 2)]
        assert pos[1].mass == pytest.approx(NA, abs=1e-6)
        neg = db.adducts(-1)
        assert len(neg) == 1 and neg[0].charge == -1 and neg[0].mass == pytest.approx(-H, 1e-6)
        with pytest.raises(IndexError):
            db[3]


def test_annotation_finds_glucose_sodium_adduct(tables):
    db = open_db(tables)
    glc = db[0]
    mz_na = GLUCOSE + NA - E  # [M+Na]+
    mz_h = CAFFEINE + H - E   # [M+H]+
    mz = np.array([150.0, mz_h, mz_h + 1.003355, mz_na, mz_na + 1.003355])  # ascending
    inten = np.array([500.0, 2e4, 2e4 * db[1].isotope_m1, 1e5, 1e5 * glc.isotope_m1],
                     np.float32)
    ann = lc.annotate(db, mz, inten, rt=[42.0], polarity=1, top_k=0)
    p_na = int(np.flatnonzero(ann.peak_mz == mz_na)[0])
    rows = ann.candidates(p_na)
    best = rows[0]
    assert best["compound"].name == "glucose" and best["adduct"].name == "M+Na;1+"
    assert abs(best["ppm_error"]) < 0.5
    assert best["isotope_score"] > 0.9  # the M+1 peak is where and as tall as expected
    assert best["posterior"] > 0.5 and best["posterior"] > ann.no_match_posterior[p_na]
    a, b = int(ann.peak_offsets[p_na]), int(ann.peak_offsets[p_na + 1])
    # posteriors over the candidates and "no match" sum to 1; rows are best first
    assert ann.posterior[a:b].sum() + ann.no_match_posterior[p_na] == pytest.approx(1, 1e-12)
    assert np.all(np.diff(ann.posterior[a:b]) <= 0)
    np.testing.assert_allclose(ann.ppm_error, (ann.peak_mz[ann.row_peak] - ann.theoretical_mz)
                               / ann.theoretical_mz * 1e6, rtol=1e-9, atol=1e-9)
    p_h = int(np.flatnonzero(ann.peak_mz == mz_h)[0])
    top = ann.candidates(p_h)[0]
    assert top["compound"].name == "caffeine" and top["adduct"].name == "M+H;1+"
    # the 150.0 peak matches nothing: no rows, no_match = 1
    p0 = int(np.flatnonzero(ann.peak_mz == 150.0)[0])
    assert ann.peak_n_candidates[p0] == 0 and ann.no_match_posterior[p0] == 1.0
    assert np.all(ann.peak_rt == 42.0) and np.all(ann.peak_polarity == 1)
    rec = ann.records()
    assert rec.size == ann.n_rows and rec["peak_mz"][a] == mz_na
    # views are zero-copy and keep the result (and the database) alive
    post, off = ann.posterior, ann.peak_offsets
    assert post.ctypes.data == ann.c_view.posterior and not post.flags.writeable
    expected = post.copy()
    del ann
    db.close()
    gc.collect()
    np.testing.assert_array_equal(post, expected)
    assert int(off[-1]) == post.size


def test_adduct_weights_change_the_ranking(tables):
    db = open_db(tables)
    mz = np.array([GLUCOSE + NA - E])
    x = np.array([1e5], np.float32)
    plain = lc.annotate(db, mz, x, isotopes=False, top_k=0)
    favour = lc.annotate(db, mz, x, isotopes=False, top_k=0, adduct_weights=[1.0, 0.0, 1.0])
    assert plain.n_rows >= 1 and db.adducts()[int(plain.adduct[0])].name == "M+Na;1+"
    # a zero adduct prior gives the Na candidate posterior 0: "no match" takes it all
    assert favour.n_rows == 1 and favour.adduct[0] == 1 and favour.posterior[0] == 0.0
    assert favour.no_match_posterior[0] == 1.0 and plain.posterior[0] > 0.5
    with pytest.raises(ValueError, match="3 values"):
        lc.annotate(db, mz, x, adduct_weights=[1.0])


def test_annotate_batch_needs_centroids(tables, sim_file):
    db = open_db(tables)
    with lc.open(sim_file) as r:
        batch = next(iter(r))
    with pytest.raises(lc.LavoisierError) as e:
        lc.annotate(db, batch)  # MS1 profile spectra
    assert e.value.function == "lv_annotate_batch" and "centroid it first" in e.value.message
    cents = lc.centroid(batch, snr=3, ms_levels=(1,))
    ann = lc.annotate(db, cents, ppm=50)
    sel = [i for i in range(len(cents)) if cents.ms_level[i] == 1]
    off = cents.offsets.tolist()
    assert ann.n_peaks == sum(off[i + 1] - off[i] for i in sel)
    i = sel[0]
    one = lc.annotate(db, cents.mz[off[i]:off[i + 1]], cents.intensity[off[i]:off[i + 1]],
                      ppm=50, polarity=int(cents.polarity[i]) or 1)
    first = ann.peak_spectrum == i
    np.testing.assert_array_equal(ann.peak_mz[first], one.peak_mz)
    np.testing.assert_array_equal(ann.no_match_posterior[first], one.no_match_posterior)


def test_compound_db_and_annotate_errors(tables):
    bad = tables / "bad.tsv"
    bad.write_text("database_name\tX\ndatabase_version\t1\n180.06\tC6H12O6\tA\n1\tC6Xx2\tB\n")
    with pytest.raises(lc.LavoisierError) as e:
        lc.CompoundDB(bad, None, tables / "pos.tsv", None)
    assert e.value.name == "LV_ERR_FORMAT" and "bad.tsv" in e.value.message
    assert ":4" in e.value.message or "line 4" in e.value.message, e.value.message
    with pytest.raises(lc.LavoisierError) as e:
        lc.CompoundDB(tables / "missing.tsv", None, None, None)
    assert e.value.function == "lv_compound_db_open" and "missing.tsv" in e.value.message
    db = open_db(tables)
    for kw, text in (({"ppm": -1}, "ppm"), ({"no_match_prior": 1.0}, "no_match_prior"),
                     ({"adduct_weights": [1, -1, 1]}, "adduct_weights[1]")):
        with pytest.raises(lc.LavoisierError) as e:
            lc.annotate(db, [100.0], [1.0], **kw)
        assert e.value.function == "lv_annotate" and text in e.value.message, e.value.message
    with pytest.raises(lc.LavoisierError) as e:
        lc.annotate(db, [200.0, 100.0], [1.0, 1.0])
    assert "does not ascend" in e.value.message
    info = _lib.CompoundInfo()
    info.size = ctypes.sizeof(info)
    with pytest.raises(lc.LavoisierError) as e:
        _lib.lv_compound_db_get(db.ptr, 99, info)
    assert e.value.function == "lv_compound_db_get"
    a = _lib.AdductInfo()
    a.size = ctypes.sizeof(a)
    with pytest.raises(lc.LavoisierError) as e:
        _lib.lv_compound_db_adduct(db.ptr, 1, 7, a)
    assert e.value.function == "lv_compound_db_adduct"
