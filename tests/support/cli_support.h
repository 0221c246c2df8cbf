/* cli_support.h - running the `lavoisier` CLI from tests the way users run it: the binary named
 * by LV_CLI (set by CTest), stdout and stderr captured in the test's temporary folder. */
#pragma once

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "lavoisier.h"
#include "test_support.h"

namespace lvtest
{

/* The CLI under test, or nullptr when LV_CLI is unset (the test then skips). */
inline const char *cli()
{
    const char *c = std::getenv("LV_CLI");
    return c && *c ? c : nullptr;
}

/* Runs `lavoisier ARGS` (ARGS already quoted as the shell needs); returns its exit status (-1 when
 * it did not exit) and, with err, what it wrote on stderr.  Its stdout is last_stdout(). */
inline int run(const std::string &args, std::string *err = nullptr)
{
    const std::string dir = temp_dir();
    const std::string err_file = dir + "/stderr.txt";
    std::string cmd =
        std::string(cli()) + " " + args + " > '" + dir + "/stdout.txt' 2> '" + err_file + "'";
    int rc = std::system(cmd.c_str());
    if (err) *err = read_file(err_file);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

inline std::string last_stdout()
{
    return read_file(temp_dir() + "/stdout.txt");
}

/* The integer after "key": in a one-line JSON object, or -1 when the key is absent. */
inline long long json_int(const std::string &doc, const std::string &key)
{
    size_t p = doc.find("\"" + key + "\": ");
    if (p == std::string::npos) return -1;
    return std::atoll(doc.c_str() + p + key.size() + 4);
}

/* A small simulated profile run in the temporary folder (made once per name). */
inline std::string simulate_run(const std::string &name, int seed, uint64_t bytes,
                                uint32_t ms1_points, uint32_t ms2_per_cycle)
{
    const std::string path = temp_dir() + "/" + name;
    struct stat sb;
    if (stat(path.c_str(), &sb) == 0) return path;
    lv_simulate_params p;
    lv_simulate_params_init(&p);
    p.target_bytes = bytes;
    p.ms1_points = ms1_points;
    p.ms2_per_cycle = ms2_per_cycle;
    p.seed = (uint64_t)seed;
    if (lv_simulate(path.c_str(), &p) != LV_OK) return "";
    return path;
}

} // namespace lvtest
