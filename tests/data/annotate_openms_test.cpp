/* lv_annotate's candidate sets against OpenMS AccurateMassSearch on 360 real m/z values
 * (tests/fixtures/make_ams_reference.sh: 240 positive-mode centroids of an mzmine QC run, 120
 * negative-mode profile maxima of OpenMS' SerumTest), same ppm window (5) and adduct lists.
 * Needs the openms-common tables; skips without them. */
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "lavoisier.h"

namespace
{

const char *kMapping = LV_OPENMS_CHEMISTRY_DIR "/HMDBMappingFile.tsv";

using Cands = std::set<std::pair<std::string, std::string>>; /* (adduct, single id) */

struct RefRow {
    int polarity;
    double mz;
    Cands cands;
};

std::vector<RefRow> load_reference()
{
    std::vector<RefRow> rows;
    std::ifstream in(std::string(LV_TEST_SOURCE_DIR) + "/tests/fixtures/bayes/ams_reference.tsv");
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> f;
        std::stringstream ss(line);
        std::string tok;
        while (std::getline(ss, tok, '\t'))
            f.push_back(tok);
        RefRow r;
        r.polarity = f.at(0) == "positive" ? 1 : -1;
        r.mz = std::strtod(f.at(1).c_str(), nullptr);
        for (size_t k = 2; k + 1 < f.size(); k += 2)
            r.cands.insert({f[k], f[k + 1]});
        rows.push_back(r);
    }
    return rows;
}

/* Candidate sets of every peak, from an lv_annotate run with window `ppm`, keeping only the
 * candidates that pass `keep` (given the peak m/z, the adduct and the entry mass). */
template <typename Keep>
std::vector<Cands> annotate_sets(lv_context *ctx, const lv_compound_db *db, int pol,
                                 const std::vector<double> &mz, double ppm, Keep keep)
{
    std::vector<float> in(mz.size(), 1000.0f);
    std::vector<uint64_t> off(mz.size() + 1);
    for (size_t i = 0; i <= mz.size(); i++)
        off[i] = i; /* one spectrum per m/z */
    lv_annotate_params ap;
    lv_annotate_params_init(&ap);
    ap.ppm = ppm;
    ap.polarity = pol;
    ap.top_k = 0;
    lv_annotation *ann = nullptr;
    std::vector<Cands> sets(mz.size());
    EXPECT_EQ(lv_annotate(ctx, db, &ap, mz.size(), off.data(), mz.data(), in.data(), nullptr, &ann),
              LV_OK)
        << lv_last_error();
    if (!ann) return sets;
    lv_annotation_view v = {};
    v.size = sizeof v;
    EXPECT_EQ(lv_annotation_get_view(ann, &v), LV_OK);
    EXPECT_EQ(v.n_peaks, mz.size());
    for (uint64_t p = 0; p < v.n_peaks; p++) {
        EXPECT_EQ(v.peak_n_candidates[p], v.peak_offsets[p + 1] - v.peak_offsets[p]);
        for (uint64_t r = v.peak_offsets[p]; r < v.peak_offsets[p + 1]; r++) {
            lv_compound_info ci = {};
            ci.size = sizeof ci;
            lv_adduct_info ai = {};
            ai.size = sizeof ai;
            EXPECT_EQ(lv_compound_db_get(db, v.compound[r], &ci), LV_OK);
            EXPECT_EQ(lv_compound_db_adduct(db, pol, v.adduct[r], &ai), LV_OK);
            if (!keep(v.peak_mz[p], ai, ci.mass)) continue;
            std::stringstream ids(ci.ids);
            std::string id;
            while (std::getline(ids, id, ','))
                sets[v.peak_spectrum[p]].insert({ai.name, id});
        }
    }
    lv_annotation_destroy(ann);
    return sets;
}

/* AccurateMassSearchEngine::queryByMZ's window test: the entry mass lies in
 * [neutral - diff, neutral + diff].  OpenMS 2.6 (Debian's AccurateMassSearch) uses
 * diff = mz * ppm * |z| (in 1e-6); later OpenMS divides diff by the multiplier n of nM adducts, so
 * that the window is ppm on the observed m/z for dimers too.  lv_annotate follows the later rule.
 */
bool in_window(double mz, const lv_adduct_info &a, double mass, double ppm, bool divide_by_n)
{
    const int az = std::abs(a.charge);
    const double neutral = (mz * az - a.mass + a.charge * 0.00054857990946) / a.multiplier;
    double diff = (mz / 1e6 * ppm) * az;
    if (divide_by_n) diff /= a.multiplier;
    return mass >= neutral - diff && mass <= neutral + diff;
}

TEST(AnnotateOpenMS, CandidateSetsEqualAccurateMassSearch)
{
    if (!std::ifstream(kMapping)) GTEST_SKIP() << "openms-common tables not installed";
    std::vector<RefRow> ref = load_reference();
    ASSERT_GE(ref.size(), 200u);

    lv_compound_db *db = nullptr;
    ASSERT_EQ(lv_compound_db_open(nullptr, &db), LV_OK) << lv_last_error();
    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = LV_DEVICE_CPU;
    lv_context *ctx = nullptr;
    ASSERT_EQ(lv_context_create(&cp, &ctx), LV_OK);

    size_t equal_26 = 0, equal_now = 0, n_ref = 0, n_ours = 0, n_multimer_only_26 = 0;
    for (int pol : {1, -1}) {
        std::vector<double> mz;
        std::vector<const RefRow *> rows;
        for (const RefRow &r : ref)
            if (r.polarity == pol) {
                mz.push_back(r.mz);
                rows.push_back(&r);
            }
        auto all = [](double, const lv_adduct_info &, double) { return true; };
        /* lv_annotate as is (ppm 5) ... */
        std::vector<Cands> ours = annotate_sets(ctx, db, pol, mz, 5.0, all);
        /* ... and OpenMS 2.6's window, emulated on a 3x wider search (3M is the largest n). */
        std::vector<Cands> ours_26 = annotate_sets(
            ctx, db, pol, mz, 15.0, [](double m, const lv_adduct_info &a, double mass) {
                return in_window(m, a, mass, 5.0, false);
            });
        std::vector<Cands> ours_now = annotate_sets(
            ctx, db, pol, mz, 15.0, [](double m, const lv_adduct_info &a, double mass) {
                return in_window(m, a, mass, 5.0, true);
            });
        for (size_t p = 0; p < mz.size(); p++) {
            const Cands &theirs = rows[p]->cands;
            n_ref += theirs.size();
            n_ours += ours[p].size();
            EXPECT_EQ(ours[p], ours_now[p]) << "m/z " << mz[p] << ": the window rule is not ours";
            equal_now += ours[p] == theirs;
            for (const auto &c : ours_26[p])
                n_multimer_only_26 += !ours[p].count(c);
            if (ours_26[p] == theirs) {
                equal_26++;
            } else {
                std::string diff;
                for (const auto &c : ours_26[p])
                    if (!theirs.count(c)) diff += " +" + c.first + " " + c.second;
                for (const auto &c : theirs)
                    if (!ours_26[p].count(c)) diff += " -" + c.first + " " + c.second;
                ADD_FAILURE() << "m/z " << mz[p] << " (polarity " << pol
                              << "): " << ours_26[p].size()
                              << " candidates vs AccurateMassSearch's " << theirs.size()
                              << "; only ours (+) / only theirs (-):" << diff.substr(0, 400);
            }
        }
    }
    RecordProperty("mz_values", std::to_string(ref.size()));
    RecordProperty("identical_sets_openms26_window", std::to_string(equal_26));
    RecordProperty("identical_sets_lv_annotate", std::to_string(equal_now));
    RecordProperty("candidates_ams", std::to_string(n_ref));
    RecordProperty("candidates_lv_annotate", std::to_string(n_ours));
    RecordProperty("multimer_candidates_only_in_openms26_window",
                   std::to_string(n_multimer_only_26));
    std::printf("AccurateMassSearch agreement: %zu m/z; identical sets with OpenMS 2.6's window "
                "%zu/%zu; lv_annotate's own sets identical %zu/%zu (%zu vs %zu candidates; the "
                "%zu extra AMS candidates are nM adducts in OpenMS 2.6's n-times-wider window)\n",
                ref.size(), equal_26, ref.size(), equal_now, ref.size(), n_ours, n_ref,
                n_multimer_only_26);
    EXPECT_EQ(equal_26, ref.size());
    EXPECT_EQ(n_ours + n_multimer_only_26, n_ref);
    lv_context_destroy(ctx);
    lv_compound_db_destroy(db);
}

TEST(AnnotateOpenMS, LoadsTheShippedTables)
{
    if (!std::ifstream(kMapping)) GTEST_SKIP() << "openms-common tables not installed";
    lv_compound_db *db = nullptr;
    ASSERT_EQ(lv_compound_db_open(nullptr, &db), LV_OK) << lv_last_error();
    EXPECT_EQ(lv_compound_db_count(db), 11531u); /* 11533 lines minus the two header lines */
    EXPECT_EQ(lv_compound_db_adduct_count(db, 1), 33u);
    EXPECT_EQ(lv_compound_db_adduct_count(db, -1), 15u);
    /* Glucose and its isomers: C6H12O6, 180.063388104, name of the first id. */
    bool found = false;
    for (uint64_t i = 0; i < lv_compound_db_count(db); i++) {
        lv_compound_info ci = {};
        ci.size = sizeof ci;
        ASSERT_EQ(lv_compound_db_get(db, i, &ci), LV_OK);
        if (i) {
            lv_compound_info prev = {};
            prev.size = sizeof prev;
            lv_compound_db_get(db, i - 1, &prev);
            ASSERT_LE(prev.mass, ci.mass) << "entries must ascend in mass";
        }
        if (std::string(ci.formula) == "C6H12O6") {
            found = true;
            EXPECT_NEAR(ci.mass, 180.063388104, 1e-6);
            EXPECT_NE(std::string(ci.ids).find("HMDB:HMDB0000122"), std::string::npos) << ci.ids;
        }
    }
    EXPECT_TRUE(found);
    lv_compound_db_destroy(db);
}

} // namespace
