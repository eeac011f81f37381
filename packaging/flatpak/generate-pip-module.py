"""Write python3-deps.json: the Flatpak module installing taskmon's dependencies as wheels.

    python packaging/flatpak/generate-pip-module.py

Asks pip (from PyPI, a dry run: nothing is installed, only the index's metadata is
read) which wheels taskmon's dependencies resolve to for the runtime's Python
(org.freedesktop.Platform 24.08: CPython 3.12, glibc 2.39, x86_64), and writes
their URLs and sha256 as `file` sources of one module that pip-installs them
offline inside flatpak-builder. Run it again after a dependency changes in
pyproject.toml. (flatpak-pip-generator from flatpak-builder-tools does the same
job; this keeps the wheel-only choice: PySide6 is never built from source.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

here = Path(__file__).resolve().parent
repo = here.parents[1]
PYTHON_VERSION = "3.12"
PLATFORMS = (
    "manylinux_2_34_x86_64",
    "manylinux_2_28_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "linux_x86_64",
)


def main() -> int:
    project = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = [*project["project"]["dependencies"], "setuptools"]  # to build taskmon
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [
            sys.executable, "-m", "pip", "install", "--isolated", "--quiet",
            "--index-url", "https://pypi.org/simple", "--dry-run", "--ignore-installed",
            "--only-binary=:all:", "--implementation", "cp",
            "--python-version", PYTHON_VERSION, "--target", str(Path(tmp) / "target"),
            "--report", str(report),
        ]
        for platform in PLATFORMS:
            command += ["--platform", platform]
        env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
        subprocess.run([*command, *requirements], check=True, env=env)
        installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    sources = []
    names = []
    for item in sorted(installs, key=lambda i: i["metadata"]["name"].lower()):
        info = item["download_info"]
        names.append(item["metadata"]["name"])
        sources.append(
            {"type": "file", "url": info["url"], "sha256": info["archive_info"]["hashes"]["sha256"]}
        )
    module = {
        "name": "python3-taskmon-deps",
        "buildsystem": "simple",
        "build-commands": [
            "pip3 install --verbose --exists-action=i --no-index --find-links=\"file://${PWD}\" "
            "--prefix=${FLATPAK_DEST} --no-build-isolation " + " ".join(sorted(names, key=str.lower))
        ],
        "sources": sources,
    }
    target = here / "python3-deps.json"
    target.write_text(json.dumps(module, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target} ({len(sources)} wheels)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
