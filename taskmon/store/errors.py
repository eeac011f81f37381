"""Typed store errors; `str()` of each is a message for the user."""

from __future__ import annotations


class StoreError(Exception):
    """Base of the store's errors."""


class StoreUnavailable(StoreError):
    """The data directory or the database cannot be used (unwritable, corrupt, too new)."""


class SchemaTooNew(StoreUnavailable):
    """The database was written by a newer taskmon than this one."""


def explain_sqlite_error(exc: BaseException) -> str:
    """A short human reason for a failed database operation."""
    text = str(exc)
    lowered = text.lower()
    if "full" in lowered or getattr(exc, "errno", None) == 28:  # ENOSPC
        return "the disk is full"
    if "readonly" in lowered or "read-only" in lowered:
        return "the database is read-only"
    if "locked" in lowered or "busy" in lowered:
        return "the database is locked by another process"
    if "unable to open" in lowered:
        return "the database file cannot be opened"
    if "not a database" in lowered or "malformed" in lowered:
        return "the file is not a taskmon database or is damaged"
    return text or exc.__class__.__name__
