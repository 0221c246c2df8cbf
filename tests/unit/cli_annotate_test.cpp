/* cli_annotate_test.cpp - `lavoisier annotate`, run the way users run it: a simulated profile run
 * in, TSV out, every row compared with the library's own lv_centroid_batch + lv_annotate_batch
 * on the same input.  A tiny table written here places compounds exactly on known peaks, so the
 * top candidate is known; with openms-common installed, the same check runs on the real HMDB
 * tables.  Refusals exit 2 (usage) or 1 (failure, naming the file) and leave no output. */
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.h"
#include "lavoisier.h"
#include "test_support.h"

namespace
{

using lvtest::cli;
using lvtest::json_int;
using lvtest::last_stdout;
using lvtest::run;

std::string simulate(const std::string &name, int seed)
{
    std::string path = lvtest::simulate_run(name, seed, 2u << 20, 5000, 3);
    EXPECT_FALSE(path.empty()) << lv_last_error();
    return path;
}

std::vector<std::string> list_dir(const std::string &dir)
{
    std::vector<std::string> names;
    if (DIR *d = opendir(dir.c_str())) {
        while (dirent *e = readdir(d))
            if (e->d_name[0] != '.') names.push_back(e->d_name);
        closedir(d);
    }
    return names;
}

std::vector<std::string> split(const std::string &s, char sep)
{
    std::vector<std::string> out;
    std::string cur;
    std::istringstream in(s);
    while (std::getline(in, cur, sep))
        out.push_back(cur);
    return out;
}

const char kHeader[] = "spectrum_index\tnative_id\trt_seconds\tpeak_mz\tintensity\trank\t"
                       "compound_id\tname\tformula\tadduct\ttheoretical_mz\tppm_error\t"
                       "isotope_score\tposterior";

/* The library's result on the whole file: read, centroid the MS1 profile spectra, annotate. */
struct Expected {
    lv_context *ctx = nullptr;
    lv_batch *raw = nullptr, *centroided = nullptr;
    lv_annotation *ann = nullptr;
    lv_annotation_view v{};
    lv_batch_view bv{};

    explicit Expected(const std::string &path)
    {
        lv_context_params cp;
        lv_context_params_init(&cp);
        cp.device = LV_DEVICE_CPU;
        cp.n_threads = 2;
        EXPECT_EQ(lv_context_create(&cp, &ctx), LV_OK);
        lv_reader *r = nullptr;
        EXPECT_EQ(lv_reader_open(path.c_str(), nullptr, &r), LV_OK) << lv_last_error();
        lv_file_info fi{};
        fi.size = sizeof fi;
        EXPECT_EQ(lv_reader_info(r, &fi), LV_OK);
        EXPECT_EQ(lv_reader_read(r, LV_RECORD_SPECTRUM, 0, fi.n_spectra, &raw), LV_OK);
        lv_reader_close(r);
        lv_centroid_params p;
        lv_centroid_params_init(&p);
        p.ms_levels = 1u << 1;
        EXPECT_EQ(lv_centroid_batch(ctx, &p, raw, &centroided), LV_OK) << lv_last_error();
        bv.size = sizeof bv;
        EXPECT_EQ(lv_batch_get_view(centroided, &bv), LV_OK);
    }
    ~Expected()
    {
        lv_annotation_destroy(ann);
        lv_batch_destroy(centroided);
        lv_batch_destroy(raw);
        lv_context_destroy(ctx);
    }
    void annotate(const lv_compound_db *db, const lv_annotate_params *p)
    {
        ASSERT_EQ(lv_annotate_batch(ctx, db, p, centroided, &ann), LV_OK) << lv_last_error();
        v.size = sizeof v;
        ASSERT_EQ(lv_annotation_get_view(ann, &v), LV_OK);
    }
};

/* Every TSV row equals the library's row: same order, identifiers, texts, and numbers that read
 * back to the same doubles.  Returns the number of rows compared. */
uint64_t expect_tsv_equals(const std::string &tsv, const Expected &e, const lv_compound_db *db)
{
    std::vector<std::string> lines = split(tsv, '\n');
    EXPECT_FALSE(lines.empty());
    if (lines.empty()) return 0;
    EXPECT_EQ(lines[0], kHeader);
    uint64_t row = 0, bad = 0;
    for (uint64_t p = 0; p < e.v.n_peaks; p++) {
        for (uint64_t k = e.v.peak_offsets[p]; k < e.v.peak_offsets[p + 1]; k++, row++) {
            if (row + 1 >= lines.size()) {
                ADD_FAILURE() << "the TSV ends at row " << row << " of " << e.v.n_rows;
                return row;
            }
            std::vector<std::string> f = split(lines[row + 1], '\t');
            if (f.size() != 14u) {
                ADD_FAILURE() << "row " << row << " has " << f.size() << " fields";
                return row;
            }
            const uint64_t s = e.v.peak_spectrum[p];
            lv_compound_info ci{};
            ci.size = sizeof ci;
            lv_adduct_info ai{};
            ai.size = sizeof ai;
            EXPECT_EQ(lv_compound_db_get(db, e.v.compound[k], &ci), LV_OK);
            EXPECT_EQ(lv_compound_db_adduct(db, e.v.peak_polarity[p], e.v.adduct[k], &ai), LV_OK);
            const double iso = e.v.isotope_score[k];
            const bool same =
                std::strtoull(f[0].c_str(), nullptr, 10) == e.bv.index[s] &&
                f[1] == lv_batch_id(e.centroided, s) &&
                std::strtod(f[2].c_str(), nullptr) == e.v.peak_rt[p] &&
                std::strtod(f[3].c_str(), nullptr) == e.v.peak_mz[p] &&
                std::strtof(f[4].c_str(), nullptr) == e.v.peak_intensity[p] &&
                std::strtoull(f[5].c_str(), nullptr, 10) == k - e.v.peak_offsets[p] + 1 &&
                f[6] == ci.ids && f[7] == ci.name && f[8] == ci.formula && f[9] == ai.name &&
                std::strtod(f[10].c_str(), nullptr) == e.v.theoretical_mz[k] &&
                std::strtod(f[11].c_str(), nullptr) == e.v.ppm_error[k] &&
                (std::isnan(iso) ? f[12] == "NaN" : std::strtod(f[12].c_str(), nullptr) == iso) &&
                std::strtod(f[13].c_str(), nullptr) == e.v.posterior[k];
            if (!same && bad++ < 3)
                ADD_FAILURE() << "row " << row << " differs from the library:\n"
                              << lines[row + 1] << "\nexpected compound " << ci.ids << " "
                              << ai.name << " posterior " << e.v.posterior[k];
        }
    }
    EXPECT_EQ(lines.size(), row + 1) << "extra rows in the TSV";
    EXPECT_EQ(bad, 0u);
    return row;
}

/* The three most intense centroids of the first MS1 spectrum, by the library. */
std::vector<double> top_peaks(const Expected &e, uint64_t *spectrum)
{
    const lv_batch_view &v = e.bv;
    uint64_t s = 0;
    while (s < v.n_records && v.ms_level[s] != 1)
        s++;
    *spectrum = s;
    std::vector<uint64_t> idx;
    for (uint64_t k = v.offsets[s]; k < v.offsets[s + 1]; k++)
        idx.push_back(k);
    std::sort(idx.begin(), idx.end(),
              [&](uint64_t a, uint64_t b) { return v.intensity[a] > v.intensity[b]; });
    std::vector<double> mz;
    for (size_t i = 0; i < 3 && i < idx.size(); i++)
        mz.push_back(v.mz[idx[i]]);
    return mz;
}

const double kProton = 1.0078250319 - 0.00054857990946;

/* Compounds TEST:1..3 whose [M+H]+ lies exactly on the given peaks, and a decoy 3 ppm above
 * TEST:1. */
std::string write_tables(const std::vector<double> &mz)
{
    const std::string dir = lvtest::temp_dir() + "/tables";
    mkdir(dir.c_str(), 0755);
    std::string map = "database_name\tTEST\ndatabase_version\t1\n", names;
    char line[160];
    for (size_t i = 0; i < mz.size(); i++) {
        std::snprintf(line, sizeof line, "%.10f\tC10H16O4\tTEST:%zu\n", mz[i] - kProton, i + 1);
        map += line;
        std::snprintf(line, sizeof line, "TEST:%zu\tcompound %zu\tC\tInChI=1S/x\n", i + 1, i + 1);
        names += line;
    }
    std::snprintf(line, sizeof line, "%.10f\tC11H20O3\tDECOY:1\n", (mz[0] - kProton) * (1 + 3e-6));
    map += line;
    names += "DECOY:1\tdecoy\tC\tInChI=1S/y\n";
    lvtest::write_file(dir + "/map.tsv", map);
    lvtest::write_file(dir + "/names.tsv", names);
    lvtest::write_file(dir + "/pos.tsv", "M+H;1+\n");
    lvtest::write_file(dir + "/neg.tsv", "M-H;1-\n");
    return dir;
}

lv_compound_db *open_db(const std::string &dir)
{
    lv_compound_db_params p;
    lv_compound_db_params_init(&p);
    const std::string m = dir + "/map.tsv", n = dir + "/names.tsv", a = dir + "/pos.tsv",
                      b = dir + "/neg.tsv";
    p.mapping = m.c_str();
    p.structures = n.c_str();
    p.positive_adducts = a.c_str();
    p.negative_adducts = b.c_str();
    lv_compound_db *db = nullptr;
    EXPECT_EQ(lv_compound_db_open(&p, &db), LV_OK) << lv_last_error();
    return db;
}

} // namespace

TEST(CliAnnotate, TinyTableRowsEqualTheLibraryAndRankTheTruthFirst)
{
    if (!cli()) GTEST_SKIP() << "LV_CLI not set";
    const std::string in = simulate("an_run.mzML", 41);
    Expected e(in);
    uint64_t s0;
    std::vector<double> mz = top_peaks(e, &s0);
    ASSERT_EQ(mz.size(), 3u);
    const std::string dir = write_tables(mz);
    const std::string out = lvtest::temp_dir() + "/an_tiny.tsv";
    std::string err;
    ASSERT_EQ(run("annotate '" + in + "' -o '" + out + "' --db '" + dir + "/map.tsv' --names '" +
                      dir + "/names.tsv' --adducts '" + dir + "/pos.tsv' --adducts '" + dir +
                      "/neg.tsv' --json --threads 2 --device cpu",
                  &err),
              0)
        << err;
    const std::string summary = last_stdout();

    lv_compound_db *db = open_db(dir);
    ASSERT_NE(db, nullptr);
    e.annotate(db, nullptr); /* the library's defaults are the CLI's */
    const std::string tsv = lvtest::read_file(out);
    EXPECT_EQ(expect_tsv_equals(tsv, e, db), e.v.n_rows);
    EXPECT_GT(e.v.n_rows, 3u);

    /* The known answer: on each chosen peak of the first MS1 spectrum, TEST:k ranks first with a
     * ppm error ~0; on the first, the decoy 3 ppm away ranks second. */
    const std::string id0 = lv_batch_id(e.centroided, s0);
    for (size_t i = 0; i < mz.size(); i++) {
        char key[96];
        std::snprintf(key, sizeof key, "\t%.17g\t", mz[i]);
        bool found = false;
        for (const std::string &line : split(tsv, '\n')) {
            std::vector<std::string> f = split(line, '\t');
            if (f.size() != 14u || f[1] != id0 || std::strtod(f[3].c_str(), nullptr) != mz[i] ||
                f[5] != "1")
                continue;
            found = true;
            EXPECT_EQ(f[6], "TEST:" + std::to_string(i + 1)) << line;
            EXPECT_EQ(f[7], "compound " + std::to_string(i + 1)) << line;
            EXPECT_EQ(f[9], "M+H;1+");
            EXPECT_LT(std::fabs(std::strtod(f[11].c_str(), nullptr)), 1e-3) << line;
            EXPECT_GT(std::strtod(f[13].c_str(), nullptr), 0.5) << line;
        }
        EXPECT_TRUE(found) << "no rank-1 row for peak " << key;
    }
    bool decoy_second = false;
    for (const std::string &line : split(tsv, '\n')) {
        std::vector<std::string> f = split(line, '\t');
        if (f.size() == 14u && f[1] == id0 && std::strtod(f[3].c_str(), nullptr) == mz[0])
            decoy_second |= f[5] == "2" && f[6] == "DECOY:1";
    }
    EXPECT_TRUE(decoy_second);

    /* The summary counts what the library found. */
    uint64_t annotated = 0;
    for (uint64_t p = 0; p < e.v.n_peaks; p++)
        annotated += e.v.peak_offsets[p + 1] > e.v.peak_offsets[p];
    EXPECT_EQ(json_int(summary, "peaks"), (long long)e.v.n_peaks) << summary;
    EXPECT_EQ(json_int(summary, "annotated_peaks"), (long long)annotated) << summary;
    EXPECT_EQ(json_int(summary, "rows"), (long long)e.v.n_rows) << summary;
    EXPECT_GT(json_int(summary, "centroided"), 0) << "the simulated MS1 spectra are profile";
    EXPECT_NE(summary.find("\"backend\": \"cpu\""), std::string::npos) << summary;

    /* --top 1: one row per annotated peak, each the library's best. */
    ASSERT_EQ(run("annotate '" + in + "' -o '" + out + "' --db '" + dir + "/map.tsv' --adducts '" +
                      dir + "/pos.tsv' --top 1 --quiet",
                  &err),
              0)
        << err;
    EXPECT_EQ(split(lvtest::read_file(out), '\n').size(), annotated + 1);
    for (const char *what : {"spectra", "peaks", "annotate", "total"})
        EXPECT_NE(last_stdout().find(what), std::string::npos) << what;
    lv_compound_db_destroy(db);
}

TEST(CliAnnotate, OpenMsTablesRowsEqualTheLibrary)
{
    if (!cli()) GTEST_SKIP() << "LV_CLI not set";
    const std::string mapping = LV_OPENMS_CHEMISTRY_DIR "/HMDBMappingFile.tsv";
    struct stat sb;
    if (stat(mapping.c_str(), &sb) != 0) GTEST_SKIP() << mapping << " absent (openms-common)";
    const std::string in = simulate("an_run.mzML", 41);
    const std::string out = lvtest::temp_dir() + "/an_hmdb.tsv";
    std::string err;
    ASSERT_EQ(run("annotate '" + in + "' -o '" + out + "' --top 3 --polarity positive --ppm 3 " +
                      "--json --quiet",
                  &err),
              0)
        << err;
    Expected e(in);
    lv_compound_db_params dp;
    lv_compound_db_params_init(&dp);
    lv_compound_db *db = nullptr;
    ASSERT_EQ(lv_compound_db_open(&dp, &db), LV_OK) << lv_last_error();
    lv_annotate_params ap;
    lv_annotate_params_init(&ap);
    ap.top_k = 3;
    ap.polarity = 1;
    ap.ppm = 3;
    e.annotate(db, &ap);
    EXPECT_GT(e.v.n_rows, 100u) << "HMDB has candidates for many simulated peaks";
    EXPECT_EQ(expect_tsv_equals(lvtest::read_file(out), e, db), e.v.n_rows);
    EXPECT_EQ(json_int(last_stdout(), "rows"), (long long)e.v.n_rows);
    lv_compound_db_destroy(db);
}

TEST(CliAnnotate, RefusalsLeaveNoOutput)
{
    if (!cli()) GTEST_SKIP() << "LV_CLI not set";
    const std::string in = simulate("an_run.mzML", 41);
    const std::string dir = lvtest::temp_dir() + "/an_refusals";
    mkdir(dir.c_str(), 0755);
    const std::string tables = dir + "/../an_refusal_tables";
    mkdir(tables.c_str(), 0755);
    lvtest::write_file(tables + "/map.tsv", "database_name\tT\ndatabase_version\t1\n"
                                            "180.0634\tC6H12O6\tG:1\n");
    lvtest::write_file(tables + "/pos.tsv", "M+H;1+\n");
    const std::string db = " --db '" + tables + "/map.tsv' --adducts '" + tables + "/pos.tsv'";
    const std::string out = dir + "/out.tsv";
    std::string err;

    EXPECT_EQ(run("annotate '" + in + "'" + db, &err), 2) << "no -o";
    EXPECT_NE(err.find("-o OUT.tsv"), std::string::npos) << err;
    EXPECT_EQ(run("annotate '" + in + "' '" + in + "' -o '" + out + "'" + db, &err), 2);
    EXPECT_EQ(run("annotate '" + in + "' -o '" + out + "' --polarity sideways" + db, &err), 2);
    EXPECT_NE(err.find("--polarity"), std::string::npos) << err;
    EXPECT_EQ(run("annotate '" + in + "' -o '" + out + "' --ppm 0" + db, &err), 2);
    EXPECT_EQ(run("annotate '" + in + "' -o '" + out + "' --top many" + db, &err), 2);
    EXPECT_EQ(run("annotate '" + in + "' -o '" + out + "' --ms-level 40" + db, &err), 2);
    EXPECT_EQ(run("annotate '" + in + "' -o '" + out + "' --polarity negative" + db, &err), 2);
    EXPECT_NE(err.find("no negative list"), std::string::npos) << err;

    /* Missing tables: failure naming the file. */
    EXPECT_EQ(run("annotate '" + in + "' -o '" + out + "' --db '" + dir + "/nope.tsv' --adducts '" +
                      tables + "/pos.tsv'",
                  &err),
              1);
    EXPECT_NE(err.find("nope.tsv"), std::string::npos) << err;
    EXPECT_EQ(
        run("annotate '" + in + "' -o '" + out + "'" + db + " --names '" + dir + "/nonames.tsv'",
            &err),
        1);
    EXPECT_NE(err.find("nonames.tsv"), std::string::npos) << err;
    EXPECT_EQ(run("annotate '" + in + "' -o '" + out + "' --db '" + tables + "/map.tsv' " +
                      "--adducts '" + dir + "/noadducts.tsv'",
                  &err),
              1);
    EXPECT_NE(err.find("noadducts.tsv"), std::string::npos) << err;
    EXPECT_TRUE(list_dir(dir).empty()) << "refusals write nothing";

    /* Never write over the input. */
    const std::string before = lvtest::read_file(in);
    EXPECT_EQ(run("annotate '" + in + "' -o '" + in + "'" + db, &err), 1);
    EXPECT_NE(err.find("overwrite the input"), std::string::npos) << err;
    EXPECT_EQ(lvtest::read_file(in), before);

    /* A truncated input fails naming the file; no output and no temporary file remain. */
    const std::string cut = dir + "/cut.mzML";
    lvtest::write_file(cut, before.substr(0, before.size() / 2));
    EXPECT_EQ(run("annotate '" + cut + "' -o '" + out + "' --quiet" + db, &err), 1);
    EXPECT_NE(err.find("cut.mzML"), std::string::npos) << err;
    std::vector<std::string> left = list_dir(dir);
    ASSERT_EQ(left.size(), 1u) << "only the input may remain; found " << left.size() << " files";
    EXPECT_EQ(left[0], "cut.mzML");

    /* And a good run succeeds in the same folder. */
    EXPECT_EQ(run("annotate '" + in + "' -o '" + out + "' --quiet" + db, &err), 0) << err;
    EXPECT_EQ(list_dir(dir).size(), 2u);
}
