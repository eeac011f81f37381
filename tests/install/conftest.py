"""A real Secret Service for the keyring self-test (fixtures: tests/keyring_fixture.py)."""

import sys
from pathlib import Path

# tests/ is not a package (each directory is its own root): make the shared module importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from keyring_fixture import secret_service_session  # noqa: F401
