// centroid_openms_test.cpp - lv_centroid against OpenMS PeakPickerHiRes (default parameters,
// S/N 0) on the real profile files: >= 95% of OpenMS centroids matched by one of ours within
// 3 ppm, and >= 95% of ours matched by one of OpenMS's, per file.  References are written by
// tests/fixtures/make_openms_reference.py (a sample of each file's profile spectra).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lavoisier.h"
#include "peak_fixtures.h"
#include "test_support.h"

namespace
{

struct RefSpectrum {
    uint64_t index;
    std::vector<double> mz;
};
struct RefFile {
    std::string file;
    std::vector<RefSpectrum> spectra;
};

std::vector<RefFile> read_references()
{
    std::vector<RefFile> out;
    const std::string dir = lvtest::fixture_path("");
    DIR *d = opendir(dir.c_str());
    if (!d) return out;
    std::vector<std::string> names;
    while (dirent *e = readdir(d)) {
        std::string n = e->d_name;
        if (n.rfind("openms_", 0) == 0 && n.size() > 4 && n.substr(n.size() - 4) == ".txt")
            names.push_back(n);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto &n : names) {
        std::ifstream in(dir + n);
        RefFile f;
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') continue;
            std::istringstream ss(line);
            std::string head;
            ss >> head;
            if (head == "file") {
                ss >> f.file;
            } else if (head == "spectrum") {
                RefSpectrum s;
                ss >> s.index;
                f.spectra.push_back(s);
            } else if (head == "mz" && !f.spectra.empty()) {
                double v;
                while (ss >> v)
                    f.spectra.back().mz.push_back(v);
            }
        }
        out.push_back(f);
    }
    return out;
}

/* How many of `a` have a value of `b` (sorted) within ppm. */
size_t matched(const std::vector<double> &a, const std::vector<double> &b, double ppm)
{
    size_t n = 0;
    for (double v : a) {
        auto it = std::lower_bound(b.begin(), b.end(), v);
        double best = INFINITY;
        if (it != b.end()) best = std::min(best, std::fabs(*it - v));
        if (it != b.begin()) best = std::min(best, std::fabs(*(it - 1) - v));
        if (best <= ppm * 1e-6 * v) n++;
    }
    return n;
}

/* Median distance between neighbouring samples in ppm of m/z: ~4 for the FT scans of these
 * files, ~83 for their ion-trap scans.  Above 20 a scan is "low resolution": PeakPickerHiRes is
 * meant for high-resolution data, and 3 ppm is a small fraction of a sample only there. */
double spacing_ppm(const std::vector<double> &mz)
{
    std::vector<double> d;
    for (size_t i = 1; i < mz.size(); i++)
        if (mz[i] > mz[i - 1]) d.push_back((mz[i] - mz[i - 1]) / mz[i] * 1e6);
    if (d.empty()) return 0;
    std::nth_element(d.begin(), d.begin() + d.size() / 2, d.end());
    return d[d.size() / 2];
}

struct Tally {
    size_t spectra = 0, ref = 0, ours = 0, ref_hit = 0, ours_hit = 0, ref_hit_wide = 0,
           ours_hit_wide = 0;
    double pct(size_t a, size_t b) const { return b ? 100.0 * a / b : 100.0; }
};

TEST(CentroidOpenMS, AgreementPerFile)
{
    if (lvtest::data_dir().empty()) GTEST_SKIP() << "real data folder absent";
    auto refs = read_references();
    ASSERT_FALSE(refs.empty()) << "no openms_*.txt fixtures";
    lv_context *ctx = lvtest::cpu_context(2);
    ASSERT_NE(ctx, nullptr);
    printf("\n  %-26s %-4s %7s %7s %7s %12s %12s %12s %12s\n", "file", "res", "spectra", "openms",
           "ours", "openms@3ppm", "ours@3ppm", "openms@half", "ours@half");
    for (const auto &f : refs) {
        Tally t[2]; /* [0] high resolution, [1] low resolution */
        for (const auto &rs : f.spectra) {
            bool ok;
            auto s = lvtest::read_spectrum(lvtest::data_file(f.file), rs.index, &ok);
            ASSERT_TRUE(ok) << f.file << " spectrum " << rs.index << ": " << lv_last_error();
            const uint64_t off[2] = {0, s.mz.size()};
            std::vector<double> mz(s.mz.size() / 2 + 1);
            std::vector<float> in(mz.size());
            uint64_t oo[2];
            ASSERT_EQ(lv_centroid(ctx, nullptr, 1, off, s.mz.data(), s.intensity.data(), mz.size(),
                                  mz.data(), in.data(), nullptr, oo),
                      LV_OK)
                << lv_last_error();
            mz.resize(oo[1]);
            const double sp = spacing_ppm(s.mz);
            Tally &k = t[sp > 20.0 ? 1 : 0];
            k.spectra++;
            k.ref += rs.mz.size();
            k.ours += mz.size();
            k.ref_hit += matched(rs.mz, mz, 3.0);
            k.ours_hit += matched(mz, rs.mz, 3.0);
            k.ref_hit_wide += matched(rs.mz, mz, 0.5 * sp);
            k.ours_hit_wide += matched(mz, rs.mz, 0.5 * sp);
        }
        for (int r = 0; r < 2; r++) {
            const Tally &k = t[r];
            if (!k.spectra) continue;
            printf("  %-26.26s %-4s %7zu %7zu %7zu %11.2f%% %11.2f%% %11.2f%% %11.2f%%\n",
                   f.file.c_str(), r ? "low" : "high", k.spectra, k.ref, k.ours,
                   k.pct(k.ref_hit, k.ref), k.pct(k.ours_hit, k.ours), k.pct(k.ref_hit_wide, k.ref),
                   k.pct(k.ours_hit_wide, k.ours));
            if (r == 0) {
                EXPECT_GE(k.pct(k.ref_hit, k.ref), 95.0)
                    << f.file << ": OpenMS centroids matched by ours within 3 ppm";
                EXPECT_GE(k.pct(k.ours_hit, k.ours), 95.0)
                    << f.file << ": our centroids matched by OpenMS within 3 ppm";
            }
        }
    }
    printf("  (@half: within half the scan's median sample spacing; 'low' = spacing > 20 ppm)\n");
    lv_context_destroy(ctx);
}

} // namespace
