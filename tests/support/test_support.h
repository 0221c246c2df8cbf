/* test_support.h - small helpers shared by the test suites. */
#pragma once

#include <string>

namespace lvtest {

/* Folder of the real mzML files, or "" when it does not exist (tests then GTEST_SKIP). */
std::string data_dir();
/* data_dir() + "/" + name. */
std::string data_file(const std::string &name);
/* A fresh temporary directory, removed at process exit. */
std::string temp_dir();
/* Whole file contents ("" and ok=false when unreadable). */
std::string read_file(const std::string &path, bool *ok = nullptr);
void write_file(const std::string &path, const std::string &bytes);

} // namespace lvtest
