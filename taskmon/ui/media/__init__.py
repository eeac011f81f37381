"""Result media in the window: thumbnails (made off the GUI thread, cached on disk) and
the safe loading that previews share.

For other views (quick look): `load_scaled_image()` decodes an image scaled
down, bounded and only after sniffing (blocking: run it in a worker);
`ImageLoader` does that on a thread pool and signals the result; `is_media()`
and `require_media()` say what a file really holds; `CantPreview` carries the
reason a person reads ("can't preview: …").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskmon.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from taskmon.ui.media.image_loading import (
        CantPreview,
        fitted,
        is_media,
        load_scaled_image,
        require_media,
    )
    from taskmon.ui.media.painting import paint_badge, paint_file
    from taskmon.ui.media.thumbnail_cache import Thumbnail, ThumbnailCache
    from taskmon.ui.media.thumbnail_jobs import ImageLoader
    from taskmon.ui.media.thumbnail_strip import ThumbnailStrip
    from taskmon.ui.media.thumbnails import NOTHING, THUMBNAIL_BOX, Thumbnails, Visible
    from taskmon.ui.media.video_frames import shared_probe, stop_shared_probe
    from taskmon.ui.media.waveform import draw_waveform
    from taskmon.ui.media.window_hookup import install_thumbnails

_EXPORTS = {
    "CantPreview": "image_loading",
    "fitted": "image_loading",
    "is_media": "image_loading",
    "load_scaled_image": "image_loading",
    "require_media": "image_loading",
    "paint_badge": "painting",
    "paint_file": "painting",
    "Thumbnail": "thumbnail_cache",
    "ThumbnailCache": "thumbnail_cache",
    "ImageLoader": "thumbnail_jobs",
    "ThumbnailStrip": "thumbnail_strip",
    "NOTHING": "thumbnails",
    "THUMBNAIL_BOX": "thumbnails",
    "Visible": "thumbnails",
    "Thumbnails": "thumbnails",
    "shared_probe": "video_frames",
    "stop_shared_probe": "video_frames",
    "draw_waveform": "waveform",
    "install_thumbnails": "window_hookup",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = [
    "NOTHING",
    "THUMBNAIL_BOX",
    "CantPreview",
    "ImageLoader",
    "Thumbnail",
    "ThumbnailCache",
    "ThumbnailStrip",
    "Thumbnails",
    "Visible",
    "draw_waveform",
    "fitted",
    "install_thumbnails",
    "is_media",
    "load_scaled_image",
    "paint_badge",
    "paint_file",
    "require_media",
    "shared_probe",
    "stop_shared_probe",
]
