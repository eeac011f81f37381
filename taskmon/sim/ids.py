"""Task IDs and result file names in each provider's published format."""

from __future__ import annotations

import random
import string

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LOWER_ALNUM = string.ascii_lowercase + string.digits


def ulid(epoch_s: float, rng: random.Random) -> str:
    """A 26-character ULID: 48-bit millisecond time then 80 random bits."""
    value = (int(epoch_s * 1000) & ((1 << 48) - 1)) << 80 | rng.getrandbits(80)
    chars = [_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5)]
    return "".join(chars)


def task_id_for(provider: str, epoch_s: float, rng: random.Random) -> str:
    """A fresh ID shaped like the provider's own examples."""
    if provider == "bytespike":  # task_01HQX9F2P6Y8VEX3CRZ8GXJVD9
        return "task_" + ulid(epoch_s, rng)
    if provider == "reapi":  # task_018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e
        return f"task_{rng.getrandbits(128):032x}"
    if provider == "vidgo":  # task-unified-1757165031-uyujaw3d
        suffix = "".join(rng.choice(_LOWER_ALNUM) for _ in range(8))
        return f"task-unified-{int(epoch_s):010d}-{suffix}"
    if provider == "apixo":  # task_abc123xyz789
        return "task_" + "".join(rng.choice(_LOWER_ALNUM) for _ in range(12))
    # Xenodia specifies no format (task_123 placeholder): a random hex tail.
    return f"task_{rng.getrandbits(96):024x}"


def default_file_stem(provider: str, index: int, epoch_s: float, rng: random.Random) -> str:
    """The name part of a result URL, following each provider's example URLs."""
    if provider == "reapi":  # .../media/tasks/<id>/0.png
        return str(index)
    if provider == "bytespike":  # .../multimodal/<model>/<date>/<ULID>.mp4
        return ulid(epoch_s, rng)
    return f"{rng.getrandbits(48):012x}"
