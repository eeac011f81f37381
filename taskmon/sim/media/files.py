"""Result files as the media origin knows them, their (signed) URLs, and the shelf holding them."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import quote

from taskmon.sim.media.content import CONTENT_TYPES, make_media
from taskmon.sim.media.large import BLOCK_BYTES, large_media

# Up to this size a file's bytes are made once and kept; above it they are made
# block by block as they are sent (a 1 GiB result must not take 1 GiB of memory).
IN_MEMORY_MAX_BYTES = 16 * 1024 * 1024


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

    @property
    def streamed(self) -> bool:
        """Whether the bytes are made as they are sent instead of kept."""
        return self.size > IN_MEMORY_MAX_BYTES

    @property
    def length(self) -> int:
        """How many bytes the file has."""
        return self.size if self.streamed else len(self.content())

    def content(self) -> bytes:
        """The file's bytes, the same for every request (kept unless `streamed`)."""
        if self.streamed:  # for tests: every byte, made again on each call
            return b"".join(self.pieces(0, self.size))
        if self._content is None:
            self._content = make_media(self.kind, self.size, self.content_seed)
        return self._content

    def pieces(self, start: int, stop: int) -> Iterator[memoryview]:
        """Bytes [start, stop) in pieces of at most a block (1 MiB), made on demand."""
        if self.streamed:
            yield from large_media(self.kind, self.size, self.content_seed, start, stop)
            return
        data = memoryview(self.content())
        for at in range(start, min(stop, len(data)), BLOCK_BYTES):
            yield data[at : min(stop, at + BLOCK_BYTES)]

    @property
    def etag(self) -> str:
        # A streamed file is named by what makes its bytes; hashing 1 GiB per request
        # would cost the simulator more than serving it.
        if self.streamed:
            identity = f"{self.kind}:{self.size}:{self.content_seed}".encode()
            return '"' + hashlib.sha256(identity).hexdigest()[:20] + '"'
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
        self.bytes_sent = 0  # body bytes written to clients, all requests together

    def add(self, media: MediaFile) -> None:
        self.files[media.token] = media
