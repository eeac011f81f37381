"""Recognise the tasks in pasted text: bare IDs, status URLs and JSON responses.

Pure (no Qt, no I/O) and provider-agnostic: every provider-specific rule is a
`Provider` hook (`id_match`, `ref_from_url`, `refs_from_json`). The window hands
`parse_paste` whatever was pasted, typed or dropped, and shows the items in
paste order; `resolve` finishes an item once the user chose a provider or model.

Rules
- JSON first: a line starting with `{` or `[` is decoded from there, across
  lines (a pretty-printed response, the whole paste); reading goes on after it.
  JSON after a short prefix on one line (`data: {…}`, `< {…}`) is read too;
  IDs in the prefix count, its other words (labels) are not reported. An
  array is a list of responses (strings in it are read as IDs or URLs). A
  response is a task when exactly one provider claims it.
- The rest is split on newlines, commas, semicolons and whitespace; quotes,
  `<>`, brackets and trailing punctuation around a token are dropped. Words
  that are neither ID nor URL are reported, one item per line (counting
  each word). An ID but for a control or format character in it (a bell,
  a zero-width space, a bidi override) is refused, saying so. The token
  after `Bearer` or `x-api-key` is a key: reported as hidden, never shown.
- A token with `scheme://` (or `host.tld/path`) is a URL. Only http(s) is read,
  and only its path and query: the pasted host is never contacted. When more
  than one provider claims it, the one whose API host it is wins.
- Any other token is an ID: CERTAIN for exactly one provider → that provider;
  CERTAIN for several, else POSSIBLE for several → `Ambiguous` (the user
  chooses); POSSIBLE for one → that one; for none → "not a task ID".
- A task of a provider that needs a model, pasted without one → `NeedsModel`.
- The same task again (same `TaskRef.key`; unresolved: same ID) → `Duplicate`.
- Bounds: a paste over MAX_PASTE_CHARS is refused whole; tokens over 256
  characters (URLs over 2048) are rejected; reading stops after MAX_ENTRIES
  items and says so. Every regex is linear and every JSON decode bounded.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

from taskmon.domain import TaskRef
from taskmon.intake.items import (
    MAX_SHOWN_CHARS,
    Ambiguous,
    Duplicate,
    NeedsModel,
    PasteItem,
    PasteResult,
    Rejected,
    Resolved,
    shown,
)
from taskmon.providers import (
    MAX_PASTED_URL_CHARS,
    MAX_TASK_ID_CHARS,
    PROVIDERS,
    BadReference,
    IdMatch,
    PastedUrl,
    Provider,
)

MAX_PASTE_CHARS = 4 * 1024 * 1024
MAX_ENTRIES = 10_000  # items, and tokens read: a bigger paste is not a list of tasks
MAX_JSON_PREFIX_CHARS = 40  # `data: {…}` yes; a sentence ending in `{` no
# A failed decode across lines may read to the end of the paste: allow a few.
MAX_MULTILINE_JSON_FAILURES = 4
_MAX_SHOWN_WORDS = 5
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_LEADING_JUNK = "\"'`<([{"
_TRAILING_JUNK = "\"'`>)]}.,;:!?"
_TOKEN = re.compile(r"[^\s,;]+")  # one negated class: linear on any input
_KEY_LABELS = frozenset({"bearer", "x-api-key"})  # the next token is a key


def parse_paste(text: str) -> PasteResult:
    """Every task reference in `text`, and every part that is none, in order."""
    if len(text) > MAX_PASTE_CHARS:
        reason = f"the paste is {_size(len(text))}; at most {_size(MAX_PASTE_CHARS)} is read"
        return PasteResult((Rejected(text=shown(text), line=1, reason=reason),))
    reader = _Reader()
    reader.read(text)
    return PasteResult(tuple(reader.items))


def resolve(item: Ambiguous | NeedsModel, provider: str, model: str | None = None) -> TaskRef:
    """The task once the user chose `provider` (and `model`); BadReference says what is wrong.

    A model is kept only for providers that need one, so the key matches the
    same task added any other way.
    """
    candidates = item.candidates if isinstance(item, Ambiguous) else (item.provider,)
    if provider not in candidates:
        raise BadReference(f"{item.task_id}: choose one of {', '.join(candidates)}")
    chosen = PROVIDERS[provider]
    model = (model or "").strip() or None
    ref = TaskRef(chosen.name, item.task_id, model=model if chosen.requires_model else None)
    chosen.validate_ref(ref)
    return ref


def _size(chars: int) -> str:
    return f"{chars / (1024 * 1024):.1f} MB"


@dataclass(slots=True)
class _Reader:
    items: list[PasteItem] = field(default_factory=list)
    first_line_of: dict[str, int] = field(default_factory=dict)
    tokens_read: int = 0
    multiline_failures: int = 0
    full: bool = False

    def read(self, text: str) -> None:
        pos, line = 0, 1
        while pos < len(text) and not self.full:
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            body = text[pos:end]
            start = pos + len(body) - len(body.lstrip())
            may_span = self.multiline_failures < MAX_MULTILINE_JSON_FAILURES
            if may_span and text[start : start + 1] in ("{", "["):
                decoded = self._decode(text, start, end)
                if decoded is not None:
                    doc, doc_end = decoded
                    self._add_json(doc, line, text[start : min(doc_end, start + 400)])
                    line += text.count("\n", pos, doc_end)
                    pos = doc_end  # the rest of its last line is read next
                    continue
            self._read_line(body, line)
            pos, line = end + 1, line + 1

    def _decode(self, text: str, start: int, line_end: int) -> tuple[Any, int] | None:
        try:
            return json.JSONDecoder().raw_decode(text, start)
        except json.JSONDecodeError as exc:
            if exc.pos > line_end:
                self.multiline_failures += 1
        except (ValueError, RecursionError):  # a 5,000-digit number; deep nesting
            self.multiline_failures += 1
        return None

    def _read_line(self, body: str, line: int) -> None:
        rest = body.strip()
        while rest and not self.full:
            brace = 0 if rest[0] in "{[" else rest.find("{")
            if not 0 <= brace <= MAX_JSON_PREFIX_CHARS:
                break
            try:
                doc, end = json.JSONDecoder().raw_decode(rest, brace)
            except (ValueError, RecursionError):
                break  # not JSON after all: plain tokens
            self._read_tokens(rest[:brace], line, report_words=False)  # `data:`, `<`
            self._add_json(doc, line, rest[brace:end])
            rest = rest[end:].strip()
        self._read_tokens(rest, line)

    def _read_tokens(self, text: str, line: int, report_words: bool = True) -> None:
        words: list[str] = []
        after_key_label = False
        for match in _TOKEN.finditer(text):
            if self._count_token(line):
                return
            token = _clean(match.group())
            if after_key_label and token:
                # A pasted curl command carries the key: never show it or take it for an ID.
                self._add(Rejected("(hidden)", line, "an API key, not a task ID (not shown)"))
            elif not self._add_token(token, line):
                words.append(token)
            after_key_label = token.lower() in _KEY_LABELS
        if words and report_words:
            listed = ", ".join(repr(shown(w)) for w in words[:_MAX_SHOWN_WORDS])
            more = len(words) - _MAX_SHOWN_WORDS
            reason = f"not a task ID: {listed}" if len(words) == 1 else f"not task IDs: {listed}"
            reason += f" and {more} more" if more > 0 else ""
            text = shown(" ".join(words[:_MAX_SHOWN_WORDS]))
            self._add(Rejected(text, line, reason, count=len(words)))

    def _count_token(self, line: int) -> bool:
        """Count one token; True (and say so once) when the paste is too long to read on."""
        self.tokens_read += 1
        if self.tokens_read > MAX_ENTRIES:
            self._stop(line)
        return self.full

    def _stop(self, line: int) -> None:
        if self.full:
            return
        reason = f"more than {MAX_ENTRIES:,} entries: the rest of the paste was not read"
        self.items.append(Rejected(text="…", line=line, reason=reason))
        self.full = True

    def _add_json(self, doc: Any, line: int, text: str) -> None:
        entries = doc if isinstance(doc, list) else [doc]
        for entry in entries:
            if self.full:
                return
            if isinstance(entry, str) and not self._add_token(_clean(entry), line):
                self._add(Rejected(shown(entry), line, f"not a task ID: {shown(entry)!r}"))
            elif not isinstance(entry, str):
                self._add_response(entry, line, text if entry is doc else _dumps(entry))

    def _add_response(self, doc: Any, line: int, text: str) -> None:
        try:
            claims = [(p, refs) for p in PROVIDERS.values() if (refs := p.refs_from_json(doc))]
        except BadReference as exc:
            self._add(Rejected(shown(text), line, str(exc)))
            return
        if len(claims) != 1:
            names = ", ".join(p.display_name for p, _ in claims)
            reason = (
                f"JSON that fits the responses of several providers ({names})"
                if claims
                else "JSON that is not a task response of a known provider"
            )
            self._add(Rejected(shown(text), line, reason))
            return
        provider, refs = claims[0]
        for ref in refs:
            self._add_ref(provider, ref, shown(text), line)

    def _add_token(self, token: str, line: int) -> bool:
        """Add what a token names; False for a plain word (no ID, no URL)."""
        url = _url_in(token)
        if url is not None:
            self._add_url(url, line)
            return True
        if not token:
            return True  # only punctuation: a separator, not a word
        if len(token) > MAX_TASK_ID_CHARS:
            reason = f"longer than {MAX_TASK_ID_CHARS} characters, so not a task ID"
            self._add(Rejected(shown(token), line, reason))
            return True
        matches = {p: p.id_match(token) for p in PROVIDERS.values()}
        certain = [p for p, m in matches.items() if m is IdMatch.CERTAIN]
        possible = [p for p, m in matches.items() if m is IdMatch.POSSIBLE]
        candidates = certain or possible
        if not candidates:
            if (refusal := _refusal(token)) is not None:
                self._add(Rejected(shown(token), line, refusal))
                return True
            return False
        if len(candidates) == 1:
            self._add_ref(candidates[0], TaskRef(candidates[0].name, token), shown(token), line)
        else:
            names = tuple(p.name for p in candidates)
            self._add(Ambiguous(task_id=token, candidates=names, text=shown(token), line=line))
        return True

    def _add_url(self, url: str, line: int) -> None:
        text = shown(url)
        scheme = url.partition("://")[0].lower()
        if scheme not in ("http", "https"):
            self._add(Rejected(text, line, f"not a web address taskmon reads: {text!r}"))
            return
        if len(url) > MAX_PASTED_URL_CHARS:
            reason = f"a URL longer than {MAX_PASTED_URL_CHARS} characters: {text!r}"
            self._add(Rejected(text, line, reason))
            return
        parsed = PastedUrl.parse(url)
        if parsed is None:
            self._add(Rejected(text, line, f"not a usable URL: {text!r}"))
            return
        try:
            claims = [(p, ref) for p in PROVIDERS.values() if (ref := p.ref_from_url(parsed))]
        except BadReference as exc:
            self._add(Rejected(text, line, str(exc)))
            return
        if len(claims) > 1:  # paths are distinct per provider; the API host settles the rest
            claims = [(p, ref) for p, ref in claims if p.api_host == parsed.host] or claims
        if len(claims) == 1:
            self._add_ref(*claims[0], text, line)
        elif claims:
            names = ", ".join(p.display_name for p, _ in claims)
            self._add(Rejected(text, line, f"a URL several providers use ({names}): {text!r}"))
        else:
            self._add(Rejected(text, line, f"not a task URL of a known provider: {text!r}"))

    def _add_ref(self, provider: Provider, ref: TaskRef, text: str, line: int) -> None:
        # A model only where the provider needs one, so keys match however a task was added.
        model = ((ref.model or "").strip() or None) if provider.requires_model else None
        ref = replace(ref, task_id=ref.task_id.strip(), model=model)
        try:
            provider.validate_ref(ref)
        except BadReference as exc:
            if provider.requires_model and ref.model is None and _valid_with_a_model(provider, ref):
                self._add(NeedsModel(provider.name, ref.task_id, text, line))
            else:
                self._add(Rejected(text, line, str(exc)))
            return
        self._add(Resolved(ref, text, line))

    def _add(self, item: PasteItem) -> None:
        if self.full:
            return
        if len(self.items) >= MAX_ENTRIES:
            self._stop(item.line)
            return
        key = _identity(item)
        first = self.first_line_of.get(key) if key else None
        if key and first is not None:
            reason = f"already in this paste (line {first}), skipped: {_describe(item)}"
            item = Duplicate(text=item.text, line=item.line, first_line=first, reason=reason)
        elif key:
            self.first_line_of[key] = item.line
        self.items.append(item)


def _refusal(token: str) -> str | None:
    """Why a token that is an ID but for its control or format characters is refused."""
    bad = [c for c in token if unicodedata.category(c)[0] == "C"]
    if not bad:
        return None
    rest = "".join(c for c in token if c not in bad)
    if not any(p.id_match(rest) is not IdMatch.NO for p in PROVIDERS.values()):
        return None
    return (
        "a task ID cannot contain control characters or invisible formatting "
        f"(here {shown(bad[0])}): '{shown(token)}'"  # shown() escapes them: no repr on top
    )


def _valid_with_a_model(provider: Provider, ref: TaskRef) -> bool:
    # validate_ref says one thing at a time: check that the model is all that is missing.
    try:
        provider.validate_ref(replace(ref, model="model"))
    except BadReference:
        return False
    return True


def _identity(item: PasteItem) -> str | None:
    """What makes two items the same task; None for items that name no task."""
    if isinstance(item, Resolved):
        return item.ref.key
    if isinstance(item, NeedsModel):
        return f"needs-model/{item.provider}/{item.task_id}"
    if isinstance(item, Ambiguous):
        return f"ambiguous/{item.task_id}"
    return None


def _describe(item: PasteItem) -> str:
    if isinstance(item, Resolved):
        model = f" ({item.ref.model})" if item.ref.model else ""
        return f"{PROVIDERS[item.ref.provider].display_name} {item.ref.task_id}{model}"
    if isinstance(item, NeedsModel):
        return f"{PROVIDERS[item.provider].display_name} {item.task_id}"
    return item.task_id if isinstance(item, Ambiguous) else item.text


def _clean(token: str) -> str:
    return token.strip().lstrip(_LEADING_JUNK).rstrip(_TRAILING_JUNK)


def _url_in(token: str) -> str | None:
    """The URL a token holds (`[x](https://…)`, `href="https://…"`), or None.

    Scanned by hand, not by regex: a scheme search over a long token would be quadratic.
    """
    mark = token.find("://")
    if mark < 0:
        head, slash, _ = token.partition("/")
        host = head.rpartition(":")[0] or head  # 127.0.0.1:8800/… or reapi.ai/…
        if slash and "." in host and host.replace(".", "").replace("-", "").isalnum():
            return "https://" + token  # a URL pasted without its scheme
        return None
    start = mark
    while start > 0 and mark - start < 32 and token[start - 1] in _SCHEME_CHARS:
        start -= 1
    if start == mark or not token[start].isalpha():
        return None
    return token[start:].rstrip(_TRAILING_JUNK)


def _dumps(doc: Any) -> str:
    try:
        return json.dumps(doc, ensure_ascii=False)[: MAX_SHOWN_CHARS * 4]
    except (ValueError, RecursionError):
        return "JSON"
