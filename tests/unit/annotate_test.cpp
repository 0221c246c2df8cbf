/* lv_annotate, the compound tables and the isotope math on small self-made tables:
 * formula masses, isotope ratios against an explicit convolution of isotope distributions,
 * parse errors naming file and line, and the isotope evidence ranking the true formula first. */
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "io/compound_table.h"
#include "io/element_table.h"
#include "lavoisier.h"
#include "ops/isotope.h"
#include "test_support.h"

namespace
{

/* Isotope distribution of a formula by explicit convolution of per-atom distributions over
 * nominal shifts 0..4 (independent of isotope.c's log-series). */
std::vector<double> convolve_pattern(const std::map<std::string, int> &counts)
{
    std::vector<double> dist{1.0, 0, 0, 0, 0};
    for (const auto &kv : counts) {
        const lv_element *el = nullptr;
        for (int e = 0; e < lv_element_count; e++)
            if (kv.first == lv_elements[e].symbol) el = &lv_elements[e];
        std::vector<double> atom(5, 0.0);
        const int mono = el->isotopes[el->mono].mass_number;
        for (int k = 0; k < el->n_isotopes; k++) {
            int s = el->isotopes[k].mass_number - mono;
            if (s >= 0 && s < 5) atom[s] += el->isotopes[k].abundance;
        }
        for (int n = 0; n < kv.second; n++) {
            std::vector<double> next(5, 0.0);
            for (int a = 0; a < 5; a++)
                for (int b = 0; a + b < 5; b++)
                    next[a + b] += dist[a] * atom[b];
            dist = next;
        }
    }
    return dist;
}

struct Formula {
    const char *text;
    double mass; /* monoisotopic, from PubChem / OpenMS */
    std::map<std::string, int> counts;
};

const Formula kFormulas[] = {
    {"C6H12O6", 180.063388104, {{"C", 6}, {"H", 12}, {"O", 6}}},             /* glucose */
    {"C8H10N4O2", 194.080375584, {{"C", 8}, {"H", 10}, {"N", 4}, {"O", 2}}}, /* caffeine */
    /* Leu-enkephalin YGGFL */
    {"C28H37N5O7", 555.269298, {{"C", 28}, {"H", 37}, {"N", 5}, {"O", 7}}},
    {"C2H6OS", 78.013935, {{"C", 2}, {"H", 6}, {"O", 1}, {"S", 1}}},
};

TEST(Formula, MassAndIsotopeRatiosMatchConvolution)
{
    for (const Formula &f : kFormulas) {
        lv_formula p = {};
        ASSERT_EQ(lv_formula_add(&p, f.text, strlen(f.text), 1), LV_OK) << lv_last_error();
        EXPECT_NEAR(p.mass, f.mass, 2e-5) << f.text;
        double r1, r2;
        lv_isotope_ratios(p.l1, p.l2, &r1, &r2);
        std::vector<double> d = convolve_pattern(f.counts);
        EXPECT_NEAR(r1, d[1] / d[0], 1e-12) << f.text;
        EXPECT_NEAR(r2, d[2] / d[0], 1e-12) << f.text;
    }
    /* Losses subtract: C6H12O6 - H2O = C6H10O5. */
    lv_formula p = {};
    ASSERT_EQ(lv_formula_add(&p, "C6H12O6", 7, 1), LV_OK);
    ASSERT_EQ(lv_formula_add(&p, "H2O", 3, -1), LV_OK);
    lv_formula q = {};
    ASSERT_EQ(lv_formula_add(&q, "C6H10O5", 7, 1), LV_OK);
    EXPECT_NEAR(p.mass, q.mass, 1e-9);
    EXPECT_NEAR(p.l1, q.l1, 1e-15);
    EXPECT_NEAR(p.l2, q.l2, 1e-15);
    /* Explicit isotopes are separate atoms and fix their mass. */
    lv_formula r = {};
    ASSERT_EQ(lv_formula_add(&r, "C(2)H3", 6, 1), LV_OK);
    EXPECT_EQ(lv_formula_count(&r, (uint16_t)(0 * 256 + 0)), 0); /* no natural H */
    EXPECT_NEAR(r.mass, 12.0 + 3 * 2.01410178, 1e-9);
    lv_formula bad = {};
    EXPECT_EQ(lv_formula_add(&bad, "C6Xx2", 5, 1), LV_ERR_FORMAT);
    EXPECT_NE(std::string(lv_last_error()).find("Xx"), std::string::npos) << lv_last_error();
}

TEST(Adduct, ParsesLikeOpenMS)
{
    lv_adduct a;
    ASSERT_EQ(lv_adduct_parse("2M+CH3CN+Na;1+", 14, &a), LV_OK) << lv_last_error();
    EXPECT_EQ(a.charge, 1);
    EXPECT_EQ(a.mult, 2u);
    EXPECT_NEAR(a.mass, 2 * 12.0 + 3 * 1.0078250319 + 14.003074 + 22.9897692809, 1e-6);
    ASSERT_EQ(lv_adduct_parse("M-H2O-H;1-", 10, &a), LV_OK);
    EXPECT_EQ(a.charge, -1);
    EXPECT_EQ(lv_formula_count(&a.ef, (uint16_t)(0 * 256)), -3); /* H is element 0 */
    ASSERT_EQ(lv_adduct_parse("M+3H;3+", 7, &a), LV_OK);
    EXPECT_EQ(a.charge, 3);
    EXPECT_EQ(lv_adduct_parse("M+H;1", 5, &a), LV_ERR_FORMAT);
    EXPECT_EQ(lv_adduct_parse("X+H;1+", 6, &a), LV_ERR_FORMAT);
    EXPECT_EQ(lv_adduct_parse("M++H;1+", 7, &a), LV_ERR_FORMAT);
}

std::string write_tables(const std::string &mapping_body, const std::string &names = "")
{
    std::string dir = lvtest::temp_dir();
    lvtest::write_file(dir + "/map.tsv",
                       "database_name\tTEST\ndatabase_version\t1\n" + mapping_body);
    lvtest::write_file(dir + "/names.tsv", names);
    lvtest::write_file(dir + "/pos.tsv", "M+H;1+\nM+Na;1+\nM+2H;2+\n");
    lvtest::write_file(dir + "/neg.tsv", "M-H;1-\nM-H2O-H;1-\n");
    return dir;
}

lv_compound_db *open_db(const std::string &dir, lv_status *st = nullptr)
{
    lv_compound_db_params p;
    lv_compound_db_params_init(&p);
    std::string m = dir + "/map.tsv", n = dir + "/names.tsv", a = dir + "/pos.tsv",
                b = dir + "/neg.tsv";
    p.mapping = m.c_str();
    p.structures = n.c_str();
    p.positive_adducts = a.c_str();
    p.negative_adducts = b.c_str();
    lv_compound_db *db = nullptr;
    lv_status s = lv_compound_db_open(&p, &db);
    if (st) *st = s;
    return db;
}

TEST(CompoundDb, ParseErrorsNameFileAndLine)
{
    std::string dir = write_tables("180.06\tC6H12O6\tID1\n194.08\tC8H10N4Q2\tID2\n");
    lv_status st;
    EXPECT_EQ(open_db(dir, &st), nullptr);
    EXPECT_EQ(st, LV_ERR_FORMAT);
    std::string msg = lv_last_error();
    EXPECT_NE(msg.find("map.tsv: line 4"), std::string::npos) << msg;
    EXPECT_NE(msg.find("Q"), std::string::npos) << msg;

    dir = write_tables("180.06\tC6H12O6\n");
    EXPECT_EQ(open_db(dir, &st), nullptr);
    EXPECT_NE(std::string(lv_last_error()).find("line 3"), std::string::npos) << lv_last_error();

    dir = write_tables("0\tC6H12O6\tA\tB\n", "A\tglucose\tSMILES\tInChI\n");
    lvtest::write_file(dir + "/pos.tsv", "M+H;1+\nM+H;2\n");
    EXPECT_EQ(open_db(dir, &st), nullptr);
    EXPECT_NE(std::string(lv_last_error()).find("pos.tsv: line 2"), std::string::npos)
        << lv_last_error();
}

TEST(CompoundDb, MassZeroIsComputedAndNamesResolve)
{
    std::string dir = write_tables("0\tC6H12O6\tA  B\n", "B\tother\tx\ty\nA\tglucose\tx\ty\n");
    lv_compound_db *db = open_db(dir);
    ASSERT_NE(db, nullptr) << lv_last_error();
    lv_compound_info ci = {};
    ci.size = sizeof ci;
    ASSERT_EQ(lv_compound_db_get(db, 0, &ci), LV_OK);
    EXPECT_NEAR(ci.mass, 180.063388104, 1e-5); /* OpenMS Elements.xml rounds O to 15.994915 */
    EXPECT_STREQ(ci.ids, "A,B");
    EXPECT_STREQ(ci.name, "glucose");
    EXPECT_EQ(lv_compound_db_get(db, 1, &ci), LV_ERR_NOT_FOUND);
    lv_compound_db_destroy(db);
}

/* One spectrum: [M+H]+ of `truth` with its M+1/M+2 peaks at the expected intensities, against
 * decoy entries given the SAME mass (so only the isotope evidence can separate them). */
void expect_isotopes_rank_truth_first(const Formula &truth, const std::vector<const char *> &decoys)
{
    std::string body;
    char line[256];
    snprintf(line, sizeof line, "%.9f\t%s\tTRUE\n", truth.mass, truth.text);
    body += line;
    for (size_t k = 0; k < decoys.size(); k++) {
        snprintf(line, sizeof line, "%.9f\t%s\tDECOY%zu\n", truth.mass, decoys[k], k);
        body += line;
    }
    lv_compound_db *db = open_db(write_tables(body));
    ASSERT_NE(db, nullptr) << lv_last_error();
    const double proton = 1.0078250319 - 0.00054857990946;
    const double mz0 = truth.mass + proton;
    std::vector<double> d = convolve_pattern(truth.counts);
    std::vector<double> mz = {mz0 - 3.0, mz0, mz0 + 1.0033548378, mz0 + 2 * 1.0033548378,
                              mz0 + 7.5};
    std::vector<float> in = {50.0f, 1e6f, (float)(1e6 * d[1] / d[0]), (float)(1e6 * d[2] / d[0]),
                             80.0f};
    uint64_t off[2] = {0, mz.size()};
    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = LV_DEVICE_CPU;
    lv_context *ctx = nullptr;
    ASSERT_EQ(lv_context_create(&cp, &ctx), LV_OK);
    lv_annotate_params ap;
    lv_annotate_params_init(&ap);
    ap.polarity = 1;
    ap.top_k = 0;
    ap.min_intensity = 9e5; /* annotate the monoisotopic peak only */
    lv_annotation *ann = nullptr;
    ASSERT_EQ(lv_annotate(ctx, db, &ap, 1, off, mz.data(), in.data(), nullptr, &ann), LV_OK)
        << lv_last_error();
    lv_annotation_view v = {};
    v.size = sizeof v;
    ASSERT_EQ(lv_annotation_get_view(ann, &v), LV_OK);
    ASSERT_EQ(v.n_peaks, 1u);
    ASSERT_EQ(v.peak_offsets[1], decoys.size() + 1) << "every entry is a [M+H]+ candidate";
    lv_compound_info ci = {};
    ci.size = sizeof ci;
    ASSERT_EQ(lv_compound_db_get(db, v.compound[0], &ci), LV_OK);
    EXPECT_STREQ(ci.formula, truth.text);
    EXPECT_GT(v.isotope_score[0], 0.99);
    EXPECT_NEAR(v.ppm_error[0], 0.0, 1e-3);
    double sum = v.no_match_posterior[0];
    for (uint64_t r = 0; r < v.n_rows; r++) {
        sum += v.posterior[r];
        if (r) {
            EXPECT_GE(v.posterior[r - 1], v.posterior[r]);
        }
    }
    EXPECT_NEAR(sum, 1.0, 1e-12);
    EXPECT_GT(v.posterior[0], 0.5) << truth.text;

    /* Without the isotope peaks, the same-mass candidates tie: evidence is only the mass. */
    std::vector<double> mz1 = {mz0};
    std::vector<float> in1 = {1e6f};
    uint64_t off1[2] = {0, 1};
    lv_annotation *ann1 = nullptr;
    ASSERT_EQ(lv_annotate(ctx, db, &ap, 1, off1, mz1.data(), in1.data(), nullptr, &ann1), LV_OK);
    lv_annotation_view v1 = {};
    v1.size = sizeof v1;
    ASSERT_EQ(lv_annotation_get_view(ann1, &v1), LV_OK);
    EXPECT_TRUE(std::isnan(v1.isotope_score[0]));
    EXPECT_DOUBLE_EQ(v1.posterior[0], v1.posterior[v1.n_rows - 1]);
    lv_annotation_destroy(ann1);
    lv_annotation_destroy(ann);
    lv_context_destroy(ctx);
    lv_compound_db_destroy(db);
}

TEST(Annotate, IsotopesRankGlucoseFirst)
{
    expect_isotopes_rank_truth_first(kFormulas[0], {"C3H8N4O5S", "C10H4O3", "C4H9ClN2O4"});
}

TEST(Annotate, IsotopesRankCaffeineFirst)
{
    expect_isotopes_rank_truth_first(kFormulas[1], {"C4H14N4O2S", "C12H10O2", "C5H11ClN4O"});
}

TEST(Annotate, IsotopesRankPeptideFirst)
{
    expect_isotopes_rank_truth_first(kFormulas[2], {"C22H45N5O7S2", "C36H35N3O4", "C24H37ClN5O7P"});
}

TEST(Annotate, WindowAdductsAndRanking)
{
    /* Two entries 3 ppm apart; M+Na and M+2H; M-H2O-H needs the formula to hold H3O. */
    std::string dir = write_tables("100.0\tC5H8O2\tA\n100.0003\tC5H8O2\tB\n150.0\tC10H6\tC\n");
    lv_compound_db *db = open_db(dir);
    ASSERT_NE(db, nullptr) << lv_last_error();
    const double e = 0.00054857990946, h = 1.0078250319;
    std::vector<double> mz = {100.0 + h - e, 150.0 + 22.9897692809 - e,
                              (150.0 + 2 * h - 2 * e) / 2};
    std::sort(mz.begin(), mz.end());
    std::vector<float> in = {100.0f, 100.0f, 100.0f};
    uint64_t off[2] = {0, 3};
    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = LV_DEVICE_CPU;
    cp.n_threads = 2;
    lv_context *ctx = nullptr;
    ASSERT_EQ(lv_context_create(&cp, &ctx), LV_OK);
    lv_annotate_params ap;
    lv_annotate_params_init(&ap);
    ap.polarity = 1;
    ap.top_k = 1;
    lv_annotation *ann = nullptr;
    ASSERT_EQ(lv_annotate(ctx, db, &ap, 1, off, mz.data(), in.data(), nullptr, &ann), LV_OK);
    lv_annotation_view v = {};
    v.size = sizeof v;
    ASSERT_EQ(lv_annotation_get_view(ann, &v), LV_OK);
    ASSERT_EQ(v.n_peaks, 3u);
    std::map<double, std::string> best;
    for (uint64_t p = 0; p < 3; p++) {
        ASSERT_EQ(v.peak_offsets[p + 1] - v.peak_offsets[p], 1u) << "top_k = 1";
        lv_compound_info ci = {};
        ci.size = sizeof ci;
        lv_adduct_info ai = {};
        ai.size = sizeof ai;
        ASSERT_EQ(lv_compound_db_get(db, v.compound[v.peak_offsets[p]], &ci), LV_OK);
        ASSERT_EQ(lv_compound_db_adduct(db, 1, v.adduct[v.peak_offsets[p]], &ai), LV_OK);
        best[v.peak_mz[p]] = std::string(ci.ids) + " " + ai.name;
        if (std::string(ci.ids) == "A") {
            EXPECT_EQ(v.peak_n_candidates[p], 2u); /* A and B */
        }
    }
    EXPECT_EQ(best[100.0 + h - e], "A M+H;1+");
    EXPECT_EQ(best[150.0 + 22.9897692809 - e], "C M+Na;1+");
    EXPECT_EQ(best[(150.0 + 2 * h - 2 * e) / 2], "C M+2H;2+");
    lv_annotation_destroy(ann);

    /* Negative mode: C10H6 has no O, so M-H2O-H is not a candidate; C5H8O2 can lose H2O + H. */
    std::vector<double> mzn = {100.0 - 18.0105646863 - h + e};
    uint64_t off1[2] = {0, 1};
    ap.polarity = -1;
    ap.top_k = 0;
    ASSERT_EQ(lv_annotate(ctx, db, &ap, 1, off1, mzn.data(), in.data(), nullptr, &ann), LV_OK);
    ASSERT_EQ(lv_annotation_get_view(ann, &v), LV_OK);
    EXPECT_EQ(v.peak_n_candidates[0], 2u);
    EXPECT_EQ(v.adduct[0], 1u);
    lv_annotation_destroy(ann);

    /* Unsorted m/z is rejected with the spectrum and point named. */
    std::vector<double> bad = {200.0, 100.0};
    uint64_t off2[2] = {0, 2};
    EXPECT_EQ(lv_annotate(ctx, db, &ap, 1, off2, bad.data(), in.data(), nullptr, &ann),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("spectrum 0"), std::string::npos);
    lv_context_destroy(ctx);
    lv_compound_db_destroy(db);
}

} // namespace
