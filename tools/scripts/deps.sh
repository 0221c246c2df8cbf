#!/usr/bin/env bash
# deps.sh - installs the Debian packages the build and tests need, when they are missing.
# Sourced by demo.sh and run_tests.sh.  Says what it installs.
lv_install_deps() {
    local pkgs=(cmake make g++ pkg-config libxml2-dev zlib1g-dev libdeflate-dev libgtest-dev
                libmsnumpress-dev nlohmann-json3-dev python3 libpng-dev libopenblas-serial-dev
                python3-venv python3-numpy python3-scipy python3-pytest python3-setuptools python3-wheel
                python3-pywt)
    local missing=()
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    echo "lavoisier: installing missing Debian packages: ${missing[*]}"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; return 1; }
        sudo="sudo"
    fi
    $sudo apt-get update -qq || return 1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null || return 1
}
