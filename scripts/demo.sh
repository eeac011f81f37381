#!/usr/bin/env bash
# Fresh machine to a running window: no API keys, no provider on the network.
#
# Creates .venv in the checkout (reused when present), installs taskmon from the
# checkout and starts `taskmon --demo`: the window against the built-in simulator,
# in a throw-away data dir, with sample tasks across all five providers.
# Usage: bash scripts/demo.sh   (from any directory)
# Environment: TASKMON_VENV (default: <checkout>/.venv), PYTHON (default: python3).
# No display (a server, CI)? bash scripts/cli-tour.sh shows the same engine in a terminal.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${TASKMON_VENV:-$repo/.venv}
python=${PYTHON:-python3}
die() {
    printf 'demo: %s\n' "$*" >&2
    exit 1
}

if [[ ! -x $venv/bin/python ]]; then
    command -v "$python" >/dev/null || die "$python not found: taskmon needs Python 3.11 or newer"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        die "taskmon needs Python 3.11 or newer; $python is $("$python" --version 2>&1)"
    echo "==> Creating a virtual environment in $venv"
    "$python" -m venv "$venv" ||
        die "could not create $venv (on Debian/Ubuntu: sudo apt-get install python3-venv)"
fi
echo "==> Installing taskmon from $repo (pip install .)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$repo" >"$log" 2>&1 || {
    cat "$log" >&2
    die "pip install failed (see above)"
}

if [[ $(uname -s) == Linux && -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} ]]; then
    die "no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset); in a terminal, try: bash scripts/cli-tour.sh"
fi
echo "==> Starting taskmon --demo"
status=0
"$venv/bin/taskmon" --demo || status=$?
if ((status != 0)) && [[ $(uname -s) == Linux ]]; then
    qt_lib=$("$venv/bin/python" -c 'import PySide6, os; print(os.path.join(os.path.dirname(PySide6.__file__), "Qt", "plugins", "platforms", "libqxcb.so"))' 2>/dev/null || true)
    if [[ -f $qt_lib ]] && ldd "$qt_lib" 2>/dev/null | grep -q 'not found'; then
        echo "demo: Qt's X11 plugin is missing system libraries; on Debian/Ubuntu:" >&2
        echo "  sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libegl1" >&2
    fi
fi
exit "$status"
