#!/usr/bin/env bash
# run_tests.sh - the whole test suite, as CI runs it: installs what is missing, builds with
# warnings as errors (CUDA kernels too when nvcc is present), runs every ctest suite, then
# rebuilds host code with AddressSanitizer + UndefinedBehaviorSanitizer and runs the CPU suites
# (unit, data, fuzz corpora) again, and runs the Python package's pytest suite against the package
# staged with its library copy (build-ci/python, installed into the venv build-ci/venv).  GPU tests
# skip without a device; data tests skip without ../shared/data/mzml.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/scripts/deps.sh
lv_install_deps

jobs=$(nproc 2>/dev/null || echo 2)
echo "== build (warnings as errors)"
cmake -S . -B build-ci -DCMAKE_BUILD_TYPE=Release -DLV_WERROR=ON >/dev/null
cmake --build build-ci -j"$jobs"
echo "== tests"
ctest --test-dir build-ci --output-on-failure -j"$jobs"

echo "== Python package tests (pytest)"
# A venv that sees the system's site-packages: on Debian, python3-numpy/-scipy/-pytest (deps.sh)
# serve without network; whatever is still missing comes from PyPI.
venv=build-ci/venv
[ -x "$venv/bin/python" ] || python3 -m venv --system-site-packages "$venv"
# PyWavelets is the reference of the wavelet parity tests (issue #7): without it they would skip.
if ! "$venv/bin/python" -c "import numpy, scipy, pytest, setuptools, wheel, pywt" 2>/dev/null; then
    echo "lavoisier: pip installing numpy scipy pytest setuptools wheel PyWavelets into $venv"
    "$venv/bin/python" -m pip install -q numpy scipy pytest "setuptools>=61" wheel PyWavelets
fi
# The staged package (target python_package): it loads its own copy of the library just built.
"$venv/bin/python" -m pip install -q --no-deps --no-build-isolation --force-reinstall build-ci/python
# pytest's rootdir is bindings/python; the tests import the installed package, not the sources.
env -u LAVOISIER_LIBRARY "$venv/bin/python" -m pytest -p no:cacheprovider -rs \
    --rootdir=bindings/python -c bindings/python/pyproject.toml bindings/python/tests

if [ "${LV_SKIP_SANITIZERS:-0}" != "1" ]; then
    echo "== ASan/UBSan build and tests"
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLV_SANITIZE=ON -DLV_CUDA=OFF \
        -DLV_WERROR=ON -DLV_BUILD_BENCH=OFF >/dev/null
    cmake --build build-asan -j"$jobs"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --test-dir build-asan --output-on-failure -j"$jobs" -L 'unit|data|fuzz'
fi
