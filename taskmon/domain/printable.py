"""Text from a server made safe to print to a terminal or show in a table cell."""

from __future__ import annotations

import unicodedata


def printable(untrusted_text: str) -> str:
    """`untrusted_text` with every control or format character made visible.

    An escape sequence from a hostile server could retitle the terminal, clear
    the screen or forge output lines; a bidi override could reorder what a
    table shows. Each such character becomes its escape (`\\x1b`, `\\u202e`),
    so nothing is hidden and nothing acts. Line breaks and tabs are made
    visible as well: callers that want them folded fold whitespace first.
    """
    if untrusted_text.isprintable():  # the usual case: nothing to do
        return untrusted_text
    return "".join(_visible(c) for c in untrusted_text)


def _visible(c: str) -> str:
    if c == " " or (unicodedata.category(c)[0] != "C" and not c.isspace()):
        return c
    return c.encode("unicode_escape").decode("ascii")  # \x1b, \u202e, \U000e0001
