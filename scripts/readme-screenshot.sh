#!/bin/sh
# Retakes docs/window.png, README's picture: `taskmon --demo` on a private Xvfb,
# photographed SECONDS (default 40) in, when the demo's tasks are in several states.
# Runs tests/ui/screenshot_driver.py (as test_screenshot.py does) inside a private
# D-Bus session with a notification daemon (dunst), so no notification balloon of
# Qt's own can land in the picture. Needs Xvfb, dbus-run-session and dunst.
set -eu
cd "$(dirname "$0")/.."
seconds="${1:-40}"
python="${PYTHON:-.venv/bin/python}"
number=70
while [ -e "/tmp/.X11-unix/X$number" ] || [ -e "/tmp/.X$number-lock" ]; do
    number=$((number + 1))
done
scratch="$(mktemp -d)"
Xvfb ":$number" -screen 0 1680x1000x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill "$xvfb"; rm -rf "$scratch"' EXIT
while [ ! -e "/tmp/.X11-unix/X$number" ]; do sleep 0.1; done
mkdir -m 700 "$scratch/runtime"
env -u DBUS_SESSION_BUS_ADDRESS \
    DISPLAY=":$number" QT_QPA_PLATFORM=xcb XDG_RUNTIME_DIR="$scratch/runtime" \
    XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data" PYTHONPATH="$PWD" \
    dbus-run-session -- sh -c '
        dunst >/dev/null 2>&1 & daemon=$!
        "$1" tests/ui/screenshot_driver.py docs/window.png "$2"; status=$?
        kill "$daemon"; exit "$status"' sh "$python" "$seconds"
