#!/usr/bin/env bash
# Build the Linux one-folder bundle (PyInstaller) and a .tar.gz of it.
#
# Usage: bash packaging/build-linux.sh [VENV]
#   VENV: a virtual environment to build in (taskmon and the `bundle` extra are
#   installed into it, non-editable); default build/bundle-venv, created if missing.
# Output: dist/taskmon/ (run dist/taskmon/taskmon) and
#         dist/taskmon-<version>-linux-<arch>.tar.gz
# Prints the bundle's size and the build time.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
venv=${1:-build/bundle-venv}
python=${PYTHON:-python3}
start=$(date +%s.%N)

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
# Non-editable: PyInstaller collects the installed package, with taskmon.resources.
"$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps .
"$venv/bin/python" -m pip install -q --disable-pip-version-check ".[bundle]"
installed=$(date +%s.%N)

rm -rf dist/taskmon
"$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/taskmon.spec
built=$(date +%s.%N)

version=$("$venv/bin/python" -c 'from importlib.metadata import version; print(version("taskmon"))')
archive=dist/taskmon-$version-linux-$(uname -m).tar.gz
# The Linux desktop files travel beside the bundle, for a user or a distribution
# to install (packaging/README.md, "Linux").
rm -rf dist/taskmon/share
mkdir -p dist/taskmon/share/applications dist/taskmon/share/metainfo
cp packaging/linux/io.github.taskmon.Taskmon.desktop dist/taskmon/share/applications/
cp packaging/linux/io.github.taskmon.Taskmon.metainfo.xml dist/taskmon/share/metainfo/
cp -r packaging/linux/icons dist/taskmon/share/
tar -C dist -czf "$archive" taskmon
done_at=$(date +%s.%N)

printf 'bundle:  dist/taskmon  %s\n' "$(du -sh dist/taskmon | cut -f1)"
printf 'archive: %s  %s\n' "$archive" "$(du -h "$archive" | cut -f1)"
awk -v a="$start" -v b="$installed" -v c="$built" -v d="$done_at" 'BEGIN {
    printf "time:    install %.1f s, pyinstaller %.1f s, archive %.1f s, total %.1f s\n",
        b - a, c - b, d - c, d - a }'
