// ground_truth_test.cpp - every real file in ../shared/data/mzml reads exactly as
// ground_truth.json (decoded independently of this project) says.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lavoisier.h"
#include "test_support.h"

using nlohmann::json;

namespace
{

json load_ground_truth()
{
    bool ok = false;
    std::string text = lvtest::read_file(lvtest::data_file("ground_truth.json"), &ok);
    if (!ok) return json();
    return json::parse(text);
}

const json &ground_truth()
{
    static json gt = load_ground_truth();
    return gt;
}

std::vector<std::string> file_names()
{
    std::vector<std::string> names;
    if (lvtest::data_dir().empty()) return {"(no data folder)"};
    for (const auto &f : ground_truth()["files"])
        names.push_back(f["file"]);
    return names;
}

const json &entry(const std::string &name)
{
    for (const auto &f : ground_truth()["files"])
        if (f["file"] == name) return f;
    static json none;
    return none;
}

struct Reader {
    lv_context *ctx = nullptr;
    lv_reader *r = nullptr;
    lv_status st = LV_OK;
    Reader(const std::string &path, uint32_t threads, uint64_t batch_points = 0)
    {
        lv_context_params cp;
        lv_context_params_init(&cp);
        cp.device = LV_DEVICE_CPU;
        cp.n_threads = threads;
        st = lv_context_create(&cp, &ctx);
        if (st != LV_OK) return;
        lv_reader_params rp;
        lv_reader_params_init(&rp);
        rp.context = ctx;
        if (batch_points) rp.batch_points = batch_points;
        st = lv_reader_open(path.c_str(), &rp, &r);
    }
    ~Reader()
    {
        lv_reader_close(r);
        lv_context_destroy(ctx);
    }
};

double rel_diff(double a, double b)
{
    if (a == b) return 0;
    return std::fabs(a - b) / std::max(std::fabs(a), std::fabs(b));
}

lv_index_state expected_index_state(const json &f)
{
    const json &ix = f["index"];
    if (!ix.value("indexed", false)) return LV_INDEX_NONE;
    if (ix.value("no_indexList", false)) return LV_INDEX_REBUILT_MISSING;
    if (ix.value("offsets_bad", 0) > 0) return LV_INDEX_REBUILT_STALE;
    std::string status = ix.value("indexListOffset_status", "");
    // an indexListOffset that points at whitespace before <indexList> is tolerated; a wrong one
    // with correct offsets is still a usable index (we find the list by searching back)
    (void)status;
    return LV_INDEX_VALID;
}

// The name our batch gives an extra array of the ground truth's array type.
std::string our_extra_name(const std::string &gt_type)
{
    const std::string ns = "non-standard:";
    if (gt_type.rfind(ns, 0) == 0) return gt_type.substr(ns.size());
    if (gt_type == "charge") return "charge array";
    if (gt_type == "s/n") return "signal to noise array";
    return gt_type;
}

class GroundTruth : public ::testing::TestWithParam<std::string>
{
  protected:
    void SetUp() override
    {
        if (lvtest::data_dir().empty()) GTEST_SKIP() << "../shared/data/mzml is not present";
    }
};

TEST_P(GroundTruth, FileLevelFacts)
{
    const json &f = entry(GetParam());
    ASSERT_FALSE(f.is_null());
    std::string path = lvtest::data_file(GetParam());
    Reader rd(path, 2, 50000);
    if (f.contains("error")) {
        EXPECT_NE(rd.st, LV_OK) << "ground truth records an error: " << f["error"];
        EXPECT_NE(std::string(lv_last_error()).find(GetParam()), std::string::npos)
            << lv_last_error();
        return;
    }
    ASSERT_EQ(rd.st, LV_OK) << lv_last_error();
    lv_file_info fi{};
    fi.size = sizeof fi;
    ASSERT_EQ(lv_reader_info(rd.r, &fi), LV_OK);
    EXPECT_EQ(fi.n_spectra, f["n_spectra"].get<uint64_t>());
    EXPECT_EQ(fi.n_chromatograms, f["n_chromatograms"].get<uint64_t>());
    EXPECT_EQ(fi.file_bytes, f["uncompressed_bytes"].get<uint64_t>());
    EXPECT_EQ(fi.gzip != 0, f["gzip"].get<bool>());
    EXPECT_EQ(fi.index_state, expected_index_state(f)) << fi.index_message;
    EXPECT_EQ(std::string(fi.mzml_version), f["mzML_version"].get<std::string>());

    // Stream every spectrum: counts per level and representation, points, intensity sum.
    std::map<std::string, uint64_t> levels, reprs;
    uint64_t points = 0, seen = 0;
    double isum = 0, rt_min = INFINITY, rt_max = -INFINITY;
    bool decode_error_expected = false;
    for (auto &[k, v] : f["anomalies"].items())
        if (k.find("decode error") != std::string::npos) decode_error_expected = true;
    for (;;) {
        lv_batch *b = nullptr;
        lv_status st = lv_reader_next(rd.r, &b);
        if (decode_error_expected) {
            EXPECT_EQ(st, LV_ERR_NUMPRESS) << lv_last_error();
            if (st != LV_OK) break;
        }
        ASSERT_EQ(st, LV_OK) << lv_last_error();
        if (!b) break;
        lv_batch_view v{};
        v.size = sizeof v;
        ASSERT_EQ(lv_batch_get_view(b, &v), LV_OK);
        for (uint64_t i = 0; i < v.n_records; i++) {
            EXPECT_EQ(v.index[i], seen + i);
            if (v.ms_level[i]) levels[std::to_string(v.ms_level[i])]++;
            if (v.representation[i] == LV_REPR_PROFILE) reprs["profile"]++;
            if (v.representation[i] == LV_REPR_CENTROID) reprs["centroid"]++;
            if (std::isfinite(v.rt_seconds[i])) {
                rt_min = std::min(rt_min, v.rt_seconds[i]);
                rt_max = std::max(rt_max, v.rt_seconds[i]);
            }
        }
        for (uint64_t k = 0; k < v.n_points; k++)
            if (std::isfinite(v.intensity[k])) isum += v.intensity[k];
        points += v.n_points;
        seen += v.n_records;
        lv_batch_destroy(b);
    }
    if (decode_error_expected) return;
    EXPECT_EQ(seen, fi.n_spectra);
    EXPECT_EQ(points, f["total_spectrum_points"].get<uint64_t>());
    // intensities are delivered as float: compare with the sum the file's values give as floats
    // at a tolerance that covers float rounding of 64-bit intensity arrays
    double want = f["total_spectrum_intensity_fsum"].get<double>();
    bool f64_intensity = false;
    for (auto &[k, v] : f["spectrum_arrays"].items())
        if (k.rfind("intensity|f64", 0) == 0) f64_intensity = true;
    EXPECT_LE(rel_diff(isum, want), f64_intensity ? 1e-6 : 1e-9) << isum << " vs " << want;
    for (auto &[k, v] : f["ms_levels"].items())
        EXPECT_EQ(levels[k], v.get<uint64_t>()) << k;
    for (auto &[k, v] : f["representation"].items())
        if (k == "profile" || k == "centroid") {
            EXPECT_EQ(reprs[k], v.get<uint64_t>()) << k;
        }
    if (f["rt_range_seconds"].is_array()) {
        EXPECT_LE(rel_diff(rt_min, f["rt_range_seconds"][0].get<double>()), 1e-12);
        EXPECT_LE(rel_diff(rt_max, f["rt_range_seconds"][1].get<double>()), 1e-12);
    }
}

// The document-order position of a recorded record (the ground truth's "index" is the file's
// index attribute, which files do not always keep unique or zero-based).
uint64_t position_of(const json &g, uint64_t n)
{
    std::string pos = g["position"];
    return pos == "first" ? 0 : pos == "last" ? n - 1 : n / 2;
}

double num(const json &j, double fallback = NAN)
{
    return j.is_number() ? j.get<double>() : fallback;
}

void check_record(lv_reader *r, const std::string &file, lv_record_kind kind, const json &g,
                  uint64_t n_records)
{
    SCOPED_TRACE(file + " " + g["id"].get<std::string>());
    uint64_t index = position_of(g, n_records);
    bool chrom = kind == LV_RECORD_CHROMATOGRAM;
    bool has_error = false;
    for (const auto &a : g["arrays"])
        if (!a["error"].is_null()) has_error = true;
    uint64_t found = 0;
    if (!g["id"].get<std::string>().empty()) {
        ASSERT_EQ(lv_reader_find_id(r, kind, g["id"].get<std::string>().c_str(), &found), LV_OK)
            << lv_last_error();
        EXPECT_LE(found, index); // ids are not always unique: the first holder is found
    }
    lv_batch *b = nullptr;
    lv_status st = lv_reader_read(r, kind, index, 1, &b);
    if (has_error) {
        EXPECT_EQ(st, LV_ERR_NUMPRESS);
        std::string msg = lv_last_error();
        EXPECT_NE(msg.find(file), std::string::npos) << msg;
        EXPECT_NE(msg.find("byte"), std::string::npos) << msg;
        EXPECT_NE(msg.find(g["id"].get<std::string>()), std::string::npos) << msg;
        lv_batch_destroy(b);
        return;
    }
    ASSERT_EQ(st, LV_OK) << lv_last_error();
    lv_batch_view v{};
    v.size = sizeof v;
    ASSERT_EQ(lv_batch_get_view(b, &v), LV_OK);
    ASSERT_EQ(v.n_records, 1u);
    EXPECT_EQ(std::string(v.id_arena + v.id_offsets[0]), g["id"].get<std::string>());
    uint64_t n = v.offsets[1] - v.offsets[0];
    EXPECT_EQ(n, g["points"].get<uint64_t>());
    double scale = 1.0;
    if (!chrom) {
        if (g["ms_level"].is_number()) {
            EXPECT_EQ(v.ms_level[0], g["ms_level"].get<int>());
        }
        if (g["scan_start_time_seconds"].is_null()) {
            EXPECT_TRUE(std::isnan(v.rt_seconds[0]));
        } else {
            EXPECT_LE(rel_diff(v.rt_seconds[0], g["scan_start_time_seconds"].get<double>()), 1e-12);
        }
        std::string pol = g["polarity"].is_null() ? "" : g["polarity"].get<std::string>();
        EXPECT_EQ(v.polarity[0], pol == "positive" ? 1 : pol == "negative" ? -1 : 0);
        std::string rep = g["representation"].is_null() ? "" : g["representation"];
        EXPECT_EQ(v.representation[0], rep == "profile"    ? LV_REPR_PROFILE
                                       : rep == "centroid" ? LV_REPR_CENTROID
                                                           : LV_REPR_UNKNOWN);
        if (!g["precursors"].empty() && g["precursors"][0]["selected_ion_mz"].is_number()) {
            EXPECT_EQ(v.precursor_mz[0], g["precursors"][0]["selected_ion_mz"].get<double>());
            if (g["precursors"][0]["charge"].is_number()) {
                EXPECT_EQ(v.precursor_charge[0], g["precursors"][0]["charge"].get<int>());
            }
        }
    } else {
        for (const auto &a : g["arrays"])
            if (a["type"] == "time" && a["unit"] == "minute") scale = 60.0;
    }
    const char *x = chrom ? "time" : "mz";
    if (n > 0) {
        double lo = INFINITY, hi = -INFINITY, isum = 0;
        for (uint64_t k = 0; k < n; k++) {
            lo = std::min(lo, v.mz[k]);
            hi = std::max(hi, v.mz[k]);
            isum += v.intensity[k];
        }
        EXPECT_DOUBLE_EQ(lo, g[std::string(x) + "_min"].get<double>() * scale);
        EXPECT_DOUBLE_EQ(hi, g[std::string(x) + "_max"].get<double>() * scale);
        if (scale == 1.0) {
            EXPECT_EQ(lo, g[std::string(x) + "_min"].get<double>());
            EXPECT_EQ(hi, g[std::string(x) + "_max"].get<double>());
        }
        EXPECT_LE(rel_diff(isum, num(g["intensity_sum"])), 1e-6);
    }
    // first and last values of the main arrays, and every extra array's length
    for (const auto &a : g["arrays"]) {
        std::string type = a["type"];
        if (!a.contains("first3")) continue;
        if (type == x) {
            for (size_t k = 0; k < a["first3"].size(); k++)
                EXPECT_EQ(v.mz[k], a["first3"][k].get<double>() * scale);
            size_t m = a["last3"].size();
            for (size_t k = 0; k < m; k++)
                EXPECT_EQ(v.mz[n - m + k], a["last3"][k].get<double>() * scale);
        } else if (type == "intensity") {
            for (size_t k = 0; k < a["first3"].size(); k++)
                EXPECT_EQ(v.intensity[k], (float)a["first3"][k].get<double>());
        } else {
            std::string name = our_extra_name(type);
            bool matched = false;
            for (uint32_t e = 0; e < v.n_extra; e++) {
                const char *en;
                lv_dtype dt;
                const uint64_t *off;
                const void *data;
                ASSERT_EQ(lv_batch_extra(b, e, &en, &dt, &off, &data), LV_OK);
                if (name == en) {
                    matched = true;
                    EXPECT_EQ(off[1] - off[0], a["length"].get<uint64_t>()) << name;
                    if (dt == LV_DTYPE_F64 && a["first3"].size() > 0 &&
                        a["first3"][0].is_number()) {
                        EXPECT_EQ(((const double *)data)[0], a["first3"][0].get<double>());
                    }
                }
            }
            EXPECT_TRUE(matched) << "extra array '" << name << "' missing";
        }
    }
    lv_batch_destroy(b);
}

TEST_P(GroundTruth, RecordedRecords)
{
    const json &f = entry(GetParam());
    if (f.contains("error")) GTEST_SKIP() << "file is an error case";
    Reader rd(lvtest::data_file(GetParam()), 1);
    ASSERT_EQ(rd.st, LV_OK) << lv_last_error();
    for (const auto &g : f["ground_truth"]["spectra"])
        check_record(rd.r, GetParam(), LV_RECORD_SPECTRUM, g, f["n_spectra"]);
    for (const auto &g : f["ground_truth"]["chromatograms"])
        check_record(rd.r, GetParam(), LV_RECORD_CHROMATOGRAM, g, f["n_chromatograms"]);
}

// The same content read with different thread counts and batch budgets is identical.
TEST_P(GroundTruth, ThreadsAndBudgetsAgree)
{
    const json &f = entry(GetParam());
    if (f.contains("error") || f["n_spectra"].get<uint64_t>() == 0) GTEST_SKIP();
    bool bad = false;
    for (auto &[k, v] : f["anomalies"].items())
        if (k.find("decode error") != std::string::npos) bad = true;
    if (bad) GTEST_SKIP();
    auto collect = [&](uint32_t threads, uint64_t budget) {
        Reader rd(lvtest::data_file(GetParam()), threads, budget);
        std::vector<double> all, ys;
        EXPECT_EQ(rd.st, LV_OK) << lv_last_error();
        for (lv_batch *b = nullptr; lv_reader_next(rd.r, &b) == LV_OK && b;) {
            lv_batch_view v{};
            v.size = sizeof v;
            lv_batch_get_view(b, &v);
            all.insert(all.end(), v.mz, v.mz + v.n_points);
            ys.insert(ys.end(), v.intensity, v.intensity + v.n_points);
            lv_batch_destroy(b);
        }
        all.insert(all.end(), ys.begin(), ys.end());
        return all;
    };
    auto a = collect(1, 1);
    auto b = collect(2, 100000);
    ASSERT_EQ(a.size(), b.size());
    size_t differ = 0;
    for (size_t k = 0; k < a.size(); k++)
        if (!(a[k] == b[k] || (std::isnan(a[k]) && std::isnan(b[k])))) differ++;
    EXPECT_EQ(differ, 0u);
}

INSTANTIATE_TEST_SUITE_P(RealFiles, GroundTruth, ::testing::ValuesIn(file_names()),
                         [](const ::testing::TestParamInfo<std::string> &p) {
                             std::string s = p.param;
                             for (char &c : s)
                                 if (!isalnum((unsigned char)c)) c = '_';
                             return s;
                         });

} // namespace
