"""The bundle's entry point: the same `taskmon` command that `pip install` puts on PATH."""

import sys

from taskmon.cli import main

if __name__ == "__main__":
    sys.exit(main())
