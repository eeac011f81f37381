"""The catalogue of download failures: each one a type with a message for the user."""

from __future__ import annotations

import errno
from pathlib import Path

_GONE = frozenset({403, 404, 410})  # how CDNs answer an expired signed link


class DownloadError(Exception):
    """Base of every download failure; `str()` is a message for the user."""


class UnsafeUrl(DownloadError, ValueError):
    """The link is not a plain http(s) URL we are willing to fetch."""


class TooLarge(DownloadError):
    """Over the size cap, declared up front (`declared` set) or found while streaming."""

    def __init__(self, max_bytes: int, declared: int | None = None) -> None:
        self.max_bytes, self.declared = max_bytes, declared
        size = f"{declared} bytes" if declared is not None else "more"
        super().__init__(f"the result is too large ({size}; the limit is {max_bytes} bytes)")


class LengthMismatch(DownloadError):
    """The body ended at another length than the server announced."""

    def __init__(self, expected: int, received: int) -> None:
        self.expected, self.received = expected, received
        super().__init__(f"the download is incomplete: got {received} of {expected} bytes")


class WrongSize(LengthMismatch):
    """The file in its final place is not as long as the server declared; it was removed."""

    def __init__(self, path: Path, declared: int, actual: int) -> None:
        DownloadError.__init__(
            self,
            f"the saved file {path.name} has {actual} bytes but the server declared {declared};"
            " it was removed and will be downloaded again",
        )
        self.path, self.expected, self.received = path, declared, actual


class HttpStatus(DownloadError):
    """An error status; `expired` when it means the link is dead (403, 404, 410)."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.expired = status in _GONE
        reason = "the link expired or is gone" if self.expired else "the server refused"
        super().__init__(f"{reason} (HTTP {status})")


class TooManyRedirects(DownloadError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the link redirects more than {limit} times")


class DiskFull(DownloadError):
    """No space (or quota) left; the `.part` is kept so nothing fetched is lost."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"the disk is full; the partial download is kept in {path}")


class StorageError(DownloadError):
    """The result could not be written (permissions, read-only disk...)."""


class UnsafeFolder(StorageError):
    """A folder taskmon would write into leads elsewhere through a link."""


class NetworkError(DownloadError):
    """Timeout, reset or a connection cut; a later fetch resumes the `.part`."""


class TooSlow(NetworkError):
    """Under the minimum rate for a whole window; the `.part` is kept for a resume."""

    def __init__(self, received: int, window_s: float) -> None:
        self.received, self.window_s = received, window_s
        super().__init__(
            f"the server sent too little data ({received} bytes in {window_s:g} s); will retry"
        )


class TookTooLong(NetworkError):
    """Over the deadline the download's size allows; the `.part` is kept for a resume."""

    def __init__(self, limit_s: float, remaining_bytes: int) -> None:
        self.limit_s = limit_s
        super().__init__(
            f"the download took too long (over {limit_s:.0f} s for {remaining_bytes} bytes);"
            " will retry"
        )


def storage_error(exc: OSError, path: Path) -> DownloadError:
    """The catalogue entry for an OSError met while writing `path`."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(path)
    if exc.errno in (errno.ELOOP, errno.EMLINK):  # O_NOFOLLOW met a link (EMLINK on BSD)
        return StorageError(
            f"cannot write {path}: it is a link, and taskmon never writes through links"
        )
    return StorageError(f"cannot write {path}: {exc.strerror or exc}")
