"""Result downloads: safe names, resumable part files, the downloader and the cache purge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskmon.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from taskmon.downloads.cache_purge import PurgeAction, PurgeNote, PurgeReport, purge
    from taskmon.downloads.downloader import DownloadedFile, Downloader, ensure_safe_url
    from taskmon.downloads.errors import (
        DiskFull,
        DownloadError,
        TookTooLong,
        TooSlow,
        UnsafeFolder,
        UnsafeUrl,
    )
    from taskmon.downloads.filenames import name_from_url, safe_name
    from taskmon.downloads.part_files import PartMeta

_EXPORTS = {
    "Downloader": "downloader",
    "DownloadedFile": "downloader",
    "ensure_safe_url": "downloader",
    "DownloadError": "errors",
    "UnsafeUrl": "errors",
    "UnsafeFolder": "errors",
    "DiskFull": "errors",
    "TooSlow": "errors",
    "TookTooLong": "errors",
    "safe_name": "filenames",
    "name_from_url": "filenames",
    "PartMeta": "part_files",
    "purge": "cache_purge",
    "PurgeAction": "cache_purge",
    "PurgeNote": "cache_purge",
    "PurgeReport": "cache_purge",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = [
    "DiskFull",
    "DownloadError",
    "DownloadedFile",
    "Downloader",
    "PartMeta",
    "PurgeAction",
    "PurgeNote",
    "PurgeReport",
    "TooSlow",
    "TookTooLong",
    "UnsafeFolder",
    "UnsafeUrl",
    "ensure_safe_url",
    "name_from_url",
    "purge",
    "safe_name",
]
