/* bayes_fixture.h - reads the numpy float64 fixtures of tests/fixtures/bayes (see
 * tests/fixtures/make_bayes_fixtures.py for the format). */
#pragma once

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace lvtest
{

struct BayesFixture {
    std::string kind; /* "update" or "batch" */
    uint64_t b = 1;
    uint32_t n = 0, m = 0;
    bool has_prior = false;
    std::vector<double> l, prior; /* update */
    std::vector<double> e, w, c;  /* batch */
    std::vector<double> posterior;
    uint64_t degenerate = 0;
};

inline std::vector<double> bayes_read_line(std::istream &in)
{
    std::string line;
    std::getline(in, line);
    std::istringstream ss(line);
    std::vector<double> v;
    std::string tok;
    while (ss >> tok)
        v.push_back(std::strtod(tok.c_str(), nullptr)); /* nan, inf, -inf too */
    return v;
}

inline bool bayes_load(const std::string &name, BayesFixture *f)
{
    std::ifstream in(std::string(LV_TEST_SOURCE_DIR) + "/tests/fixtures/bayes/" + name + ".txt");
    if (!in) return false;
    std::string header;
    std::getline(in, header);
    std::istringstream hs(header);
    hs >> f->kind;
    if (f->kind == "update") {
        int hp = 0;
        hs >> f->n >> f->m >> hp;
        f->has_prior = hp != 0;
        f->l = bayes_read_line(in);
        f->prior = bayes_read_line(in);
    } else {
        hs >> f->b >> f->n >> f->m;
        f->e = bayes_read_line(in);
        f->w = bayes_read_line(in);
        f->c = bayes_read_line(in);
    }
    f->posterior = bayes_read_line(in);
    in >> f->degenerate;
    return f->posterior.size() == f->b * f->n;
}

/* |a - b| <= rel * |b|, with a floor of the smallest normal double for values that underflow. */
inline bool bayes_close(double a, double b, double rel)
{
    return std::fabs(a - b) <= rel * std::fabs(b) + 1e-300;
}

} // namespace lvtest
