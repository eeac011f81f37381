#!/usr/bin/env bash
# Set up everything the tests need on a fresh Debian/Ubuntu machine, then run them.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: a real Secret Service for the keyring tests (gnome-keyring on a
# private D-Bus session bus, started by the tests themselves), and what Qt needs
# to draw offscreen and, for the screenshot test, on a real X server (Xvfb); a tray host
# (trayer) and a notification daemon (dunst) for the tray tests, and desktop-file-validate
# for the autostart entry.
apt_packages=(
    gnome-keyring dbus dbus-x11 libsecret-tools
    xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
    libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0
    libxkbcommon0 libegl1 libgl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core
    libpulse0 xdotool
    # The packaging smoke (packaging/ci-smoke.sh): PyInstaller reads binaries with
    # objdump (binutils); a tray host, a notification daemon and xwininfo for the
    # bundle's self-test; the validators of the Linux desktop files.
    binutils trayer dunst x11-utils desktop-file-utils appstream
)
missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

venv=${TASKMON_VENV:-.venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
# A non-editable install: the tests exercise the package as users get it.
"$venv/bin/python" -m pip install -q --force-reinstall --no-deps .
"$venv/bin/python" -m pip install -q ".[test]"

"$venv/bin/ruff" check taskmon tests bench
# The layer contract (pyproject.toml [tool.importlinter]): a wrong import fails here.
"$venv/bin/lint-imports" --no-cache
# Types (pyproject.toml [tool.mypy]: strict for domain, providers, net, tracking, store, downloads).
"$venv/bin/mypy"
"$venv/bin/pytest" -p no:cacheprovider "$@"
# The wheel and the Linux bundle, the bundle's self-test and demo (issue 14; a few
# minutes). TASKMON_SKIP_BUNDLE=1 skips it locally; CI always runs it.
bash packaging/ci-smoke.sh "$venv"
