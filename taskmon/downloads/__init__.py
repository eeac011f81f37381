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
        StorageError,
        TookTooLong,
        TooSlow,
        UnsafeFolder,
        UnsafeUrl,
    )
    from taskmon.downloads.filenames import name_from_url, safe_name
    from taskmon.downloads.link_expiry import DEFAULT_LINK_TTL_S, expiry_from_link, links_expire_at
    from taskmon.downloads.media_sniff import (
        SniffedFile,
        open_refusal,
        sniff_bytes,
        sniff_file,
        sniff_media_kind,
    )
    from taskmon.downloads.part_files import PartMeta, read_part_meta
    from taskmon.downloads.result_copy import SavedCopy, save_copy, usable_folder
    from taskmon.downloads.save_pattern import (
        DEFAULT_PATTERN,
        PLACEHOLDERS,
        PatternError,
        ResultFields,
        SavePattern,
        cache_name_hint,
    )
    from taskmon.downloads.sidecar import ResultOrigin, sidecar_path

_EXPORTS = {
    "Downloader": "downloader",
    "DownloadedFile": "downloader",
    "ensure_safe_url": "downloader",
    "DownloadError": "errors",
    "UnsafeUrl": "errors",
    "UnsafeFolder": "errors",
    "DiskFull": "errors",
    "StorageError": "errors",
    "TooSlow": "errors",
    "TookTooLong": "errors",
    "safe_name": "filenames",
    "name_from_url": "filenames",
    "PartMeta": "part_files",
    "read_part_meta": "part_files",
    "SniffedFile": "media_sniff",
    "sniff_bytes": "media_sniff",
    "sniff_file": "media_sniff",
    "sniff_media_kind": "media_sniff",
    "purge": "cache_purge",
    "PurgeAction": "cache_purge",
    "PurgeNote": "cache_purge",
    "PurgeReport": "cache_purge",
    "DEFAULT_LINK_TTL_S": "link_expiry",
    "expiry_from_link": "link_expiry",
    "links_expire_at": "link_expiry",
    "SavedCopy": "result_copy",
    "save_copy": "result_copy",
    "usable_folder": "result_copy",
    "open_refusal": "media_sniff",
    "DEFAULT_PATTERN": "save_pattern",
    "PLACEHOLDERS": "save_pattern",
    "PatternError": "save_pattern",
    "ResultFields": "save_pattern",
    "SavePattern": "save_pattern",
    "cache_name_hint": "save_pattern",
    "ResultOrigin": "sidecar",
    "sidecar_path": "sidecar",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = [
    "DEFAULT_LINK_TTL_S",
    "DEFAULT_PATTERN",
    "PLACEHOLDERS",
    "DiskFull",
    "DownloadError",
    "DownloadedFile",
    "Downloader",
    "PartMeta",
    "PatternError",
    "PurgeAction",
    "PurgeNote",
    "PurgeReport",
    "ResultFields",
    "ResultOrigin",
    "SavePattern",
    "SavedCopy",
    "SniffedFile",
    "StorageError",
    "TooSlow",
    "TookTooLong",
    "UnsafeFolder",
    "UnsafeUrl",
    "cache_name_hint",
    "ensure_safe_url",
    "expiry_from_link",
    "links_expire_at",
    "name_from_url",
    "open_refusal",
    "purge",
    "read_part_meta",
    "safe_name",
    "save_copy",
    "sidecar_path",
    "sniff_bytes",
    "sniff_file",
    "sniff_media_kind",
    "usable_folder",
]
