"""Counted nouns for messages: "1 task", "3 tasks", never "task(s)"."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun in the number it takes, e.g. `counted(3, "task")` is "3 tasks"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
