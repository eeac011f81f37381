"""Result files as the media origin knows them, their (signed) URLs, and the shelf holding them."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import quote

from taskmon.sim.media.content import CONTENT_TYPES, make_media


@dataclass(eq=False)
class MediaFile:
    """One result file served by the media origin."""

    token: str
    name: str
    kind: str
    size: int
    content_seed: int
    ready_at_epoch: float  # the task's success moment; 404 before it
    expires_at_epoch: float | None = None
    cut_after: int | None = None
    gets: int = 0
    available: bool = True  # False once the owning task can no longer succeed
    _content: bytes | None = field(default=None, repr=False)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]

    def content(self) -> bytes:
        """The file's bytes, generated once and the same for every request."""
        if self._content is None:
            self._content = make_media(self.kind, self.size, self.content_seed)
        return self._content

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.content()).hexdigest()[:20] + '"'

    @property
    def last_modified(self) -> str:
        return formatdate(self.ready_at_epoch, usegmt=True)

    def url(self, media_base: str, secret: bytes) -> str:
        """The result URL; signed with an expiry when the file has one."""
        # "/" is escaped so the name stays one segment; dot-only names are escaped
        # too, or a client's URL normalisation would resolve them away.
        name = quote(self.name, safe="")
        if name.strip(".") == "":
            name = name.replace(".", "%2E")
        url = f"{media_base}/media/{self.token}/{name}"
        if self.expires_at_epoch is not None:
            expires = math.ceil(self.expires_at_epoch)
            url += f"?expires={expires}&signature={sign(secret, self.token, expires)}"
        return url


def sign(secret: bytes, token: str, expires: int) -> str:
    return hmac.new(secret, f"{token}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


class MediaLibrary:
    """Every result file by token, and every request the media origin answered."""

    def __init__(self, secret: bytes, clock: Callable[[], float]) -> None:
        self.secret = secret
        self.clock = clock
        self.files: dict[str, MediaFile] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []  # (raw path, headers)

    def add(self, media: MediaFile) -> None:
        self.files[media.token] = media
