# Shared helpers for the Scripts: installing what a fresh Debian 12 machine lacks.
# shellcheck shell=bash

say() { printf '==> %s\n' "$*" >&2; }

# apt_install PKG... : installs the Debian packages that are missing (as root, or with sudo when available).
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
            say "missing Debian packages: ${missing[*]} (run as root or install them: apt-get install ${missing[*]})"
            return 1
        fi
    fi
    say "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

require_swift() {
    command -v swift >/dev/null 2>&1 || { say "the Swift toolchain (6.2 or later) is required: https://www.swift.org/install/"; exit 1; }
}
