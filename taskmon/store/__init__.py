"""The task store: SQLite in the data dir, read by every command, written by one writer thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskmon.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from taskmon.store.errors import (
        SchemaTooNew,
        StoreError,
        StoreUnavailable,
        explain_sqlite_error,
    )
    from taskmon.store.store import Store
    from taskmon.store.writer import StoreWriter, StoreWriterClosed, WriterStats

_EXPORTS = {
    "Store": "store",
    "StoreWriter": "writer",
    "StoreWriterClosed": "writer",
    "WriterStats": "writer",
    "StoreError": "errors",
    "StoreUnavailable": "errors",
    "SchemaTooNew": "errors",
    "explain_sqlite_error": "errors",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = [
    "SchemaTooNew",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "StoreWriter",
    "StoreWriterClosed",
    "WriterStats",
    "explain_sqlite_error",
]
