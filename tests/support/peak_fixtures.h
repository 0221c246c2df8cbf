/* peak_fixtures.h - readers for the committed peak fixtures (tests/fixtures/peaks) and helpers that
 * the localmax/centroid unit, data and GPU tests share. */
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "lavoisier.h"

namespace lvtest
{

/* One localmax case: a spectrum given inline (random cases) or by file and index (real ones). */
struct LocalmaxCase {
    std::string name;
    std::string file; /* real cases: data file name; "" for inline cases */
    uint64_t index = 0;
    double height = -INFINITY; /* "none" = -inf */
    uint32_t distance = 1;
    std::vector<float> x;
    std::vector<uint32_t> peaks;
};

std::string fixture_path(const std::string &name);
/* Parses localmax_random.txt / localmax_real.txt; fails the test (ADD_FAILURE) on a bad line. */
std::vector<LocalmaxCase> read_localmax_cases(const std::string &name);

/* One spectrum read from a real file: m/z and intensity, or empty with ok=false. */
struct Spectrum {
    std::vector<double> mz;
    std::vector<float> intensity;
    int representation = 0;
};
Spectrum read_spectrum(const std::string &path, uint64_t index, bool *ok);

/* A context on the CPU with n threads (0 = all). */
lv_context *cpu_context(uint32_t n_threads);

} // namespace lvtest
