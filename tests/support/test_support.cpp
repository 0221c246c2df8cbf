#include "test_support.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace lvtest {

std::string data_dir()
{
    const char *env = std::getenv("LV_TEST_DATA_DIR");
    std::string dir = env && *env ? env : LV_TEST_DATA_DIR;
    struct stat st;
    if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return "";
    return dir;
}

std::string data_file(const std::string &name) { return data_dir() + "/" + name; }

static std::string g_temp;

static void remove_temp()
{
    if (!g_temp.empty()) {
        std::string cmd = "rm -rf '" + g_temp + "'";
        if (std::system(cmd.c_str()) != 0) {
        }
    }
}

std::string temp_dir()
{
    if (g_temp.empty()) {
        const char *base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/lvtest.XXXXXX";
        char *made = mkdtemp(&tmpl[0]);
        if (made) {
            g_temp = made;
            std::atexit(remove_temp);
        }
    }
    return g_temp;
}

std::string read_file(const std::string &path, bool *ok)
{
    std::ifstream in(path, std::ios::binary);
    if (ok) *ok = static_cast<bool>(in);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string &path, const std::string &bytes)
{
    std::ofstream out(path, std::ios::binary);
    out << bytes;
}

} // namespace lvtest
