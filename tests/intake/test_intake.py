"""What `parse_paste` makes of what people paste: IDs, status URLs, JSON, and junk."""

from __future__ import annotations

import json
import time
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskmon.domain.snapshot import Snapshot
from taskmon.domain.task import TaskRef
from taskmon.intake import (
    MAX_ENTRIES,
    MAX_PASTE_CHARS,
    Ambiguous,
    Duplicate,
    NeedsModel,
    PasteItem,
    PasteResult,
    Rejected,
    Resolved,
    parse_paste,
    resolve,
)
from taskmon.providers import PROVIDERS
from taskmon.providers.base import BadReference, IdMatch, PastedUrl, Provider, RequestSpec

REAPI_HEX = "task_018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e"
REAPI_ULID = "task_01k9s419324drezfbwnsvxyr6h"
BYTESPIKE = "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9"
VIDGO = "task-unified-1757165031-uyujaw3d"
VIDGO_SHORT = "KC9IIO8MLOAN18JX"
FREE_FORM = "task_abc123xyz789"  # Apixo's example; Xenodia's IDs are just as free


def kinds(result: PasteResult) -> list[str]:
    return [type(item).__name__ for item in result.items]


def ref(provider: str, task_id: str, model: str | None = None, **kw: Any) -> TaskRef:
    return TaskRef(provider, task_id, model=model, **kw)


def only(text: str) -> PasteItem:
    items = parse_paste(text).items
    assert len(items) == 1, items
    return items[0]


# --- bare IDs ------------------------------------------------------------------


def test_a_column_of_reapi_ids_is_every_one_of_them_in_order() -> None:
    ids = [f"task_{i:032x}" for i in range(1, 6)] + [REAPI_ULID]
    result = parse_paste("\n".join(ids) + "\n")
    assert result.refs == tuple(ref("reapi", i) for i in ids)
    assert [item.line for item in result.items] == [1, 2, 3, 4, 5, 6]
    assert result.summary() == "6 tasks"


def test_windows_line_ends_and_blank_lines_change_nothing() -> None:
    result = parse_paste(f"\r\n{REAPI_HEX}\r\n\r\n  {BYTESPIKE}  \r\n")
    assert result.refs == (ref("reapi", REAPI_HEX), ref("bytespike", BYTESPIKE))
    assert [item.line for item in result.items] == [2, 4]


def test_mixed_ids_separated_by_commas_semicolons_and_spaces() -> None:
    result = parse_paste(f"{REAPI_HEX},{BYTESPIKE} , {VIDGO};{REAPI_ULID}\t{VIDGO_SHORT}")
    assert kinds(result) == ["Resolved"] * 4 + ["Ambiguous"]
    assert result.refs == (
        ref("reapi", REAPI_HEX),
        ref("bytespike", BYTESPIKE),
        ref("vidgo", VIDGO),
        ref("reapi", REAPI_ULID),
    )


@pytest.mark.parametrize(
    "quoted",
    [f'"{REAPI_HEX}"', f"'{REAPI_HEX}',", f"`{REAPI_HEX}`", f"({REAPI_HEX}).", f"[{REAPI_HEX}]"],
)
def test_quotes_brackets_and_trailing_punctuation_are_dropped(quoted: str) -> None:
    assert parse_paste(quoted).refs == (ref("reapi", REAPI_HEX),)


@pytest.mark.parametrize(
    ("token", "candidates"),
    [
        ("task_123", ("apixo", "xenodia")),
        (FREE_FORM, ("apixo", "xenodia")),
        (VIDGO_SHORT, ("apixo", "vidgo", "xenodia")),
        ("3f2b8c1e-9d4a-4b7e-8f21-6a5c0d9e1b47", ("apixo", "xenodia")),
        ("task_01234567890123456789012345", ("bytespike", "reapi")),  # both ULID shapes
    ],
)
def test_free_form_ids_ask_which_provider(token: str, candidates: tuple[str, ...]) -> None:
    assert only(token) == Ambiguous(task_id=token, candidates=candidates, text=token, line=1)


@pytest.mark.parametrize("junk", ["hello", "Done!", "12345678", "2025-11-12", "v1.2.3", "—"])
def test_a_word_is_reported_not_a_task_id(junk: str) -> None:
    item = only(junk)
    assert isinstance(item, Rejected)
    assert item.reason == f"not a task ID: {junk.rstrip('!')!r}"


def test_a_line_of_words_is_one_report_and_ids_beside_words_still_count() -> None:
    result = parse_paste(f"my tasks from yesterday:\n{REAPI_HEX} (the cat video)\n")
    assert kinds(result) == ["Rejected", "Resolved", "Rejected"]
    first, _, third = result.items
    assert isinstance(first, Rejected) and first.line == 1
    assert first.reason == "not task IDs: 'my', 'tasks', 'from', 'yesterday'"
    assert isinstance(third, Rejected) and third.line == 2
    assert third.reason == "not task IDs: 'the', 'cat', 'video'"


def test_an_overlong_token_is_rejected_with_its_length() -> None:
    item = only("task_" + "a1" * 200)
    assert isinstance(item, Rejected) and "longer than 256 characters" in item.reason
    assert len(item.text) <= 80


# --- URLs ----------------------------------------------------------------------

STATUS_URLS = [
    ("https://api.xenodia.xyz/v1/tasks/task_123", ref("xenodia", "task_123")),
    (
        "https://api.apixo.ai/api/v1/statusTask/nano-banana?taskId=task_abc123",
        ref("apixo", "task_abc123", "nano-banana"),
    ),
    (f"https://llm.bytespike.ai/v1/tasks/stream/{BYTESPIKE}", ref("bytespike", BYTESPIKE)),
    (f"https://api.vidgo.ai/api/generate/status/{VIDGO}", ref("vidgo", VIDGO)),
    (f"https://api.vidgo.ai/api/generate/status/{VIDGO_SHORT}", ref("vidgo", VIDGO_SHORT)),
    (f"https://reapi.ai/api/v1/tasks/{REAPI_HEX}", ref("reapi", REAPI_HEX)),
    (f"https://cdn.reapi.ai/media/tasks/{REAPI_ULID[5:]}/0.mp4", ref("reapi", REAPI_ULID)),
    (  # the simulator
        "http://127.0.0.1:8800/api/v1/statusTask/flux-2?taskId=task_q8w7e6r5t4y3",
        ref("apixo", "task_q8w7e6r5t4y3", "flux-2"),
    ),
]


@pytest.mark.parametrize(("url", "expected"), STATUS_URLS, ids=[u for u, _ in STATUS_URLS])
def test_a_status_url_names_provider_task_and_model(url: str, expected: TaskRef) -> None:
    assert only(url) == Resolved(expected, url, 1)


@pytest.mark.parametrize(
    "pasted",
    [
        f"<https://reapi.ai/api/v1/tasks/{REAPI_HEX}>",
        f'"https://reapi.ai/api/v1/tasks/{REAPI_HEX}",',
        f"see https://reapi.ai/api/v1/tasks/{REAPI_HEX}.",
        f"[status](https://reapi.ai/api/v1/tasks/{REAPI_HEX})",
        f'<a href="https://reapi.ai/api/v1/tasks/{REAPI_HEX}">',
        f"reapi.ai/api/v1/tasks/{REAPI_HEX}",
        f"GET https://reapi.ai/api/v1/tasks/{REAPI_HEX}/",
    ],
)
def test_a_url_is_found_inside_the_text_around_it(pasted: str) -> None:
    assert parse_paste(pasted).refs == (ref("reapi", REAPI_HEX),)


def test_a_pasted_curl_command_gives_the_task_and_hides_the_key() -> None:
    key = "rk_live_9f8e7d6c5b4a39281706"
    text = (
        'curl "https://api.apixo.ai/api/v1/statusTask/nano-banana?taskId=task_abc123" \\\n'
        f'  -H "Authorization: Bearer {key}"\n'
    )
    result = parse_paste(text)
    assert result.refs == (ref("apixo", "task_abc123", "nano-banana"),)
    assert not any(isinstance(item, Ambiguous) for item in result.items)
    assert key not in repr(result.items)
    assert any(isinstance(i, Rejected) and "API key" in i.reason for i in result.items)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///home/me/ids.txt", "not a web address taskmon reads: 'file:///home/me/ids.txt'"),
        ("ftp://reapi.ai/api/v1/tasks/x1", "not a web address taskmon reads"),
        ("https://example.com/some/page", "not a task URL of a known provider"),
        ("https://llm.bytespike.ai/v1/tasks/query", "not a task URL of a known provider"),
        (
            "https://api.apixo.ai/api/v1/statusTask/nano-banana",
            "Apixo: the status URL has no taskId",
        ),
        ("https://reapi.ai/api/v1/tasks/%20", "reAPI: the task ID is empty"),
        ("http://[::1/api/v1/tasks/x1", "not a usable URL"),
        ("https://reapi.ai/" + "a" * 3000, "a URL longer than 2048 characters"),
    ],
)
def test_urls_that_name_no_task_are_reported(url: str, reason: str) -> None:
    item = only(url)
    assert isinstance(item, Rejected)
    assert item.reason.startswith(reason)


# --- JSON ----------------------------------------------------------------------

XENODIA_SUBMIT = """{
  "task_id": "task_7f3a9c21",
  "object": "task",
  "model": "veo3_fast",
  "type": "video",
  "state": "waiting",
  "created_at": 1760000000,
  "poll_url": "/v1/tasks/task_7f3a9c21",
  "recommended_poll_interval_ms": 2000,
  "eta_hint_seconds": 60
}"""
XENODIA_STATUS = """{
  "task_id": "task_123", "object": "task", "request_id": "req_abc", "model": "veo3_fast",
  "type": "video", "state": "fail",
  "request": {"prompt": "A cinematic close-up of a developer dashboard.", "resolution": "720p"},
  "result": {}, "error": {"message": "upstream task failed"}, "progress": 100,
  "poll_url": "/v1/tasks/task_123", "created_at": 1760000000, "updated_at": 1760000100,
  "completed_at": 1760000100
}"""
APIXO_SUBMIT = '{"code": 200, "message": "success", "data": {"taskId": "task_abc123xyz789"}}'
APIXO_STATUS = """{
  "code": 200,
  "message": "success",
  "data": {
    "taskId": "task_abc123xyz789",
    "state": "success",
    "resultJson": "{\\"resultUrls\\":[\\"https://cdn.apixo.ai/output/abc123.jpg\\"]}",
    "costTime": 12500,
    "createTime": 1704067200000,
    "completeTime": 1704067212500
  }
}"""
BYTESPIKE_SUBMIT = (
    '{"task_id": "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9", "estimated_credits": 1.5,'
    ' "estimated_seconds": 35}'
)
BYTESPIKE_STATUS = """{
  "task_id": "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9",
  "out_task_id": "my-job-42",
  "status": "completed",
  "credits_used": 1.47,
  "output": [{"type": "video", "url": "https://cdn.bytespike.ai/multimodal/x/01HQ.mp4",
              "duration_seconds": 8}]
}"""
VIDGO_SUBMIT = (
    '{"code": 200, "data": {"task_id": "task-unified-1757165031-uyujaw3d",'
    ' "status": "not_started", "created_time": "2025-11-12T10:30:00"}}'
)
VIDGO_STATUS = """{
  "code": 200,
  "data": {
    "task_id": "KC9IIO8MLOAN18JX",
    "status": "finished",
    "files": [{"file_url": "https://storage.vidgo.ai/generated/image-abc123.jpg",
               "file_type": "image"}],
    "created_time": "2025-11-12T10:30:00",
    "progress": 100,
    "error_message": null
  }
}"""
REAPI_SUBMIT = (
    '{"id": "task_01k9s419324drezfbwnsvxyr6h", "model": "doubao-seedance-2.0",'
    ' "status": "processing", "created_at": 1762853430}'
)
REAPI_STATUS = """{
  "id": "task_018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e",
  "status": "failed",
  "output": null,
  "error": {
    "code": 80006,
    "message": "Request violates content policy"
  }
}"""

RESPONSES = [
    ("xenodia-submit", XENODIA_SUBMIT, Resolved, ref("xenodia", "task_7f3a9c21")),
    ("xenodia-status", XENODIA_STATUS, Resolved, ref("xenodia", "task_123")),
    ("apixo-submit", APIXO_SUBMIT, NeedsModel, ref("apixo", "task_abc123xyz789")),
    ("apixo-status", APIXO_STATUS, NeedsModel, ref("apixo", "task_abc123xyz789")),
    ("bytespike-submit", BYTESPIKE_SUBMIT, Resolved, ref("bytespike", BYTESPIKE)),
    ("bytespike-status", BYTESPIKE_STATUS, Resolved, ref("bytespike", BYTESPIKE)),
    ("vidgo-submit", VIDGO_SUBMIT, Resolved, ref("vidgo", VIDGO)),
    ("vidgo-status", VIDGO_STATUS, Resolved, ref("vidgo", VIDGO_SHORT)),
    ("reapi-submit", REAPI_SUBMIT, Resolved, ref("reapi", REAPI_ULID)),
    ("reapi-status", REAPI_STATUS, Resolved, ref("reapi", REAPI_HEX)),
]


@pytest.mark.parametrize(
    ("pasted", "kind", "expected"),
    [r[1:] for r in RESPONSES],
    ids=[r[0] for r in RESPONSES],
)
def test_a_pasted_response_names_its_task(pasted: str, kind: type, expected: TaskRef) -> None:
    item = only(pasted)
    assert isinstance(item, kind) and item.line == 1
    if isinstance(item, Resolved):
        assert item.ref == expected
    else:  # Apixo's responses do not say which model: the user must
        assert (item.provider, item.task_id) == (expected.provider, expected.task_id)
    assert item.text.startswith("{") and len(item.text) <= 80


def test_a_json_array_of_responses_from_several_providers() -> None:
    docs = [json.loads(pasted) for _, pasted, _, _ in RESPONSES]
    result = parse_paste(json.dumps(docs, indent=2))
    # Apixo's and BytesPike's two examples are the same task: the second is a duplicate.
    assert kinds(result) == [
        "Resolved", "Resolved", "NeedsModel", "Duplicate", "Resolved",
        "Duplicate", "Resolved", "Resolved", "Resolved", "Resolved",
    ]  # fmt: skip
    assert result.refs == (
        ref("xenodia", "task_7f3a9c21"),
        ref("xenodia", "task_123"),
        ref("bytespike", BYTESPIKE),
        ref("vidgo", VIDGO),
        ref("vidgo", VIDGO_SHORT),
        ref("reapi", REAPI_ULID),
        ref("reapi", REAPI_HEX),
    )


def test_json_lines_and_text_between_responses() -> None:
    text = f"{REAPI_SUBMIT}\n{VIDGO_SUBMIT}\nthen the long one:\n{XENODIA_STATUS}\n{BYTESPIKE}\n"
    result = parse_paste(text)
    assert kinds(result) == ["Resolved", "Resolved", "Rejected", "Resolved", "Resolved"]
    assert [i.line for i in result.items] == [1, 2, 3, 4, 12]  # the Xenodia body is 8 lines


def test_curl_include_output_headers_then_body() -> None:
    text = "HTTP/2 200\ncontent-type: application/json\ndate: Tue, 11 Nov 2025\n\n" + REAPI_STATUS
    result = parse_paste(text)
    assert result.refs == (ref("reapi", REAPI_HEX),)
    assert all(isinstance(i, Rejected) for i in result.items[:-1])
    assert result.items[-1].line == 5


def test_json_after_a_prefix_on_the_same_line() -> None:
    text = f'data: {BYTESPIKE_SUBMIT}\n< {REAPI_SUBMIT}\n{VIDGO} {{"not": "a task"}}'
    result = parse_paste(text)
    assert result.refs == (
        ref("bytespike", BYTESPIKE),
        ref("reapi", REAPI_ULID),
        ref("vidgo", VIDGO),
    )
    assert isinstance(result.items[-1], Rejected)
    assert result.items[-1].reason == "JSON that is not a task response of a known provider"


def test_a_json_array_of_id_strings() -> None:
    result = parse_paste(
        json.dumps([REAPI_HEX, f"https://api.vidgo.ai/api/generate/status/{VIDGO}", "x"])
    )
    assert result.refs == (ref("reapi", REAPI_HEX), ref("vidgo", VIDGO))
    assert (
        isinstance(result.items[-1], Rejected) and result.items[-1].reason == "not a task ID: 'x'"
    )


def test_bytespike_response_with_only_the_callers_out_task_id() -> None:
    item = only('{"out_task_id": "nightly-render-7", "status": "pending"}')
    assert item == Resolved(
        ref("bytespike", "nightly-render-7", by_out_task_id=True),
        '{"out_task_id": "nightly-render-7", "status": "pending"}',
        1,
    )


def test_apixo_response_that_names_its_model_is_ready() -> None:
    item = only(
        '{"code": 200, "data": {"taskId": "task_abc1", "state": "pending", "model": "flux-2"}}'
    )
    assert isinstance(item, Resolved) and item.ref == ref("apixo", "task_abc1", "flux-2")


@pytest.mark.parametrize(
    "doc",
    [
        '{"error": {"code": 40001, "message": "Task doesn\'t exist"}}',
        '{"id": "resp_1", "object": "response", "status": "completed"}',
        "[1, 2, 3]",
        '{"task_id": "", "object": "task", "state": "waiting"}',
    ],
)
def test_json_that_names_no_task_is_reported(doc: str) -> None:
    result = parse_paste(doc)
    assert result.items and all(isinstance(i, Rejected) for i in result.items)
    assert not result.refs


def test_broken_json_falls_back_to_tokens() -> None:
    result = parse_paste('{"id": "task_018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e", "status": ')
    assert result.refs == (ref("reapi", REAPI_HEX),)


# --- duplicates ----------------------------------------------------------------


def test_the_same_id_twice_is_added_once_with_a_note() -> None:
    result = parse_paste(f"{REAPI_HEX}\n{BYTESPIKE}\n{REAPI_HEX}")
    assert result.refs == (ref("reapi", REAPI_HEX), ref("bytespike", BYTESPIKE))
    dup = result.items[2]
    assert isinstance(dup, Duplicate) and (dup.line, dup.first_line) == (3, 1)
    assert dup.reason == f"already in this paste (line 1), skipped: reAPI {REAPI_HEX}"
    assert result.summary() == "2 tasks, 1 duplicate skipped"


def test_the_same_task_as_id_url_and_json_is_one_task() -> None:
    text = f"{REAPI_HEX}\nhttps://reapi.ai/api/v1/tasks/{REAPI_HEX}\n{REAPI_STATUS}"
    assert kinds(parse_paste(text)) == ["Resolved", "Duplicate", "Duplicate"]


def test_an_ambiguous_id_twice_asks_once() -> None:
    assert kinds(parse_paste("task_123, task_123")) == ["Ambiguous", "Duplicate"]


def test_apixo_ids_with_different_models_are_different_tasks() -> None:
    base = "https://api.apixo.ai/api/v1/statusTask/{}?taskId=task_abc123"
    result = parse_paste(f"{base.format('flux-2')} {base.format('sora-2')} {base.format('flux-2')}")
    assert kinds(result) == ["Resolved", "Resolved", "Duplicate"]


# --- resolving a choice --------------------------------------------------------


def test_resolving_an_ambiguous_id_with_a_provider() -> None:
    item = only("task_123")
    assert isinstance(item, Ambiguous)
    assert resolve(item, "xenodia") == ref("xenodia", "task_123")
    assert resolve(item, "xenodia", "veo3") == ref("xenodia", "task_123")  # no model kept


def test_resolving_for_apixo_needs_the_model() -> None:
    item = only("task_123")
    assert isinstance(item, Ambiguous)
    with pytest.raises(BadReference, match="needs the model"):
        resolve(item, "apixo", "   ")
    assert resolve(item, "apixo", " nano-banana ") == ref("apixo", "task_123", "nano-banana")


def test_resolving_with_a_provider_that_is_no_candidate_is_refused() -> None:
    item = only("task_123")
    assert isinstance(item, Ambiguous)
    with pytest.raises(BadReference, match="choose one of apixo, xenodia"):
        resolve(item, "reapi")


def test_resolving_a_response_that_needs_a_model() -> None:
    item = only(APIXO_SUBMIT)
    assert isinstance(item, NeedsModel)
    assert resolve(item, "apixo", "sora-2") == ref("apixo", "task_abc123xyz789", "sora-2")


# --- empty, huge and hostile pastes --------------------------------------------


@pytest.mark.parametrize("empty", ["", "   ", "\n\n\r\n", ",,, ;", "\t"])
def test_an_empty_paste_has_nothing_to_add(empty: str) -> None:
    result = parse_paste(empty)
    assert result.items == ()
    assert result.summary() == "nothing to add"


def test_a_paste_over_the_limit_is_refused_whole() -> None:
    result = parse_paste((REAPI_HEX + "\n") * (MAX_PASTE_CHARS // len(REAPI_HEX)))
    assert kinds(result) == ["Rejected"]
    assert "at most 4.0 MB is read" in result.items[0].reason  # type: ignore[union-attr]


def test_a_long_paste_stops_after_max_entries_and_says_so() -> None:
    text = "\n".join(f"task_{i:032x}" for i in range(MAX_ENTRIES + 500))
    started = time.monotonic()
    result = parse_paste(text)
    assert time.monotonic() - started < 10
    assert len(result.refs) == MAX_ENTRIES
    last = result.items[-1]
    assert isinstance(last, Rejected) and "the rest of the paste was not read" in last.reason


@pytest.mark.parametrize(
    "hostile",
    [
        "[" * 200_000,
        "{" * 200_000,
        '{"a":' * 100_000,
        ("[1," * 50_000 + "\n") * 20,  # deep nesting across lines
        ("[" + "1," * 50_000 + "\n") * 20,  # flat, unclosed: each decode reads to the end
        ("{\n" + '"k": 1,\n' * 5_000) * 20,
        "9" * 100_000,
        '{"id": ' + "9" * 10_000 + "}",
        "https://" + "a" * 1_000_000,
        "a://" * 200_000,
        "x" * 3_000_000,
        ("task_123 " * 200_000),
        "\x00\ud800\uffff\u2028" * 10_000,
    ],
    ids=lambda s: repr(s[:12]),
)
def test_hostile_pastes_finish_quickly_with_bounded_output(hostile: str) -> None:
    started = time.monotonic()
    result = parse_paste(hostile)
    assert time.monotonic() - started < 10
    assert len(result.items) <= MAX_ENTRIES + 1
    assert all(len(item.text) <= 80 for item in result.items)


# --- a sixth provider needs no change here --------------------------------------


class _Sixth(Provider):
    name: ClassVar[str] = "sixth"
    display_name: ClassVar[str] = "Sixth"
    default_base_url: ClassVar[str] = "https://api.sixth.example"

    def status_request(self, ref: TaskRef) -> RequestSpec:
        return RequestSpec("GET", f"/v1/tasks/{ref.task_id}")

    def parse_status(self, untrusted_body: bytes) -> Snapshot:
        raise NotImplementedError

    def id_match(self, untrusted_token: str) -> IdMatch:
        return IdMatch.CERTAIN if untrusted_token.startswith("six_") else IdMatch.NO

    def ref_from_url(self, url: PastedUrl) -> TaskRef | None:
        # The same path as Xenodia's: the pasted host decides.
        if url.segments[:2] == ("v1", "tasks") and len(url.segments) == 3:
            return TaskRef(self.name, url.segments[2])
        return None


def test_a_sixth_provider_is_recognised_through_its_hooks_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(PROVIDERS, "sixth", _Sixth())
    result = parse_paste(
        "six_0001\n"
        "https://api.sixth.example/v1/tasks/job42x\n"
        "https://api.xenodia.xyz/v1/tasks/job42x\n"
        "https://proxy.example/v1/tasks/job42x\n"
    )
    assert result.refs == (
        ref("sixth", "six_0001"),
        ref("sixth", "job42x"),
        ref("xenodia", "job42x"),
    )
    last = result.items[-1]
    assert isinstance(last, Rejected)
    assert last.reason.startswith("a URL several providers use (Xenodia, Sixth)")


# --- no text breaks it ---------------------------------------------------------

FRAGMENTS = [
    REAPI_HEX, REAPI_ULID, BYTESPIKE, VIDGO, VIDGO_SHORT, FREE_FORM, "task_123", "hello",
    "https://reapi.ai/api/v1/tasks/", "https://api.apixo.ai/api/v1/statusTask/m?taskId=",
    "file:///", "://", "{", "}", "[", "]", '"', "'", "<", ">", ":", ",", ";", "\n", " ", "\\",
    "Bearer", '{"id": ', '"status": "completed"', '{"code": 200, "data": {"taskId": "t1"}}',
    "\r", "%", "%2F", "..", "\u2028", "\ud800",
]  # fmt: skip


def check_invariants(text: str) -> None:
    result = parse_paste(text)
    keys = [item.ref.key for item in result.items if isinstance(item, Resolved)]
    assert len(keys) == len(set(keys))
    lines = text.count("\n") + 1
    for item in result.items:
        assert 1 <= item.line <= lines
        if isinstance(item, Resolved):
            PROVIDERS[item.ref.provider].validate_ref(item.ref)
        elif isinstance(item, Ambiguous):
            assert len(item.candidates) > 1 and set(item.candidates) <= set(PROVIDERS)
        elif isinstance(item, Duplicate):
            assert item.first_line <= item.line


@settings(max_examples=400, deadline=None, database=None)
@given(st.text(max_size=400))
def test_no_text_breaks_parse_paste(text: str) -> None:
    check_invariants(text)


@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=6), max_size=40).map("".join))
def test_no_mix_of_ids_urls_and_json_pieces_breaks_parse_paste(text: str) -> None:
    check_invariants(text)


# --- what the window reports (issue 11) --------------------------------------------


def test_each_unrecognised_word_is_counted_once_in_the_summary() -> None:
    result = parse_paste(f"{REAPI_HEX} hello there\nfoo bar baz")
    rejected = [i for i in result.items if isinstance(i, Rejected)]
    assert sum(i.count for i in rejected) == 5
    assert result.summary() == "1 task, 5 not recognised"


def test_an_id_with_a_control_character_says_why_it_is_refused() -> None:
    item = only("task_018f5a3a1b6e\x07d9f8c2b4d6e8f0a2c4e")
    assert isinstance(item, Rejected)
    assert "control characters" in item.reason
    assert "\x07" not in item.reason  # shown escaped, never raw
