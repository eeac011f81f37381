"""Each provider recognises its own pasted IDs, status URLs and JSON responses, and no other's."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskmon.domain.snapshot import Snapshot
from taskmon.domain.task import TaskRef
from taskmon.providers import PROVIDERS
from taskmon.providers.base import (
    BadReference,
    IdMatch,
    PastedUrl,
    Provider,
    RequestSpec,
    looks_like_task_id,
)

from .examples import DOCUMENTED

ALL = pytest.mark.parametrize("provider", PROVIDERS.values(), ids=list(PROVIDERS))
C, P, N = IdMatch.CERTAIN, IdMatch.POSSIBLE, IdMatch.NO
FUZZ = settings(max_examples=300, deadline=None, database=None)


def matches(token: str) -> dict[str, IdMatch]:
    return {name: provider.id_match(token) for name, provider in PROVIDERS.items()}


def url(text: str) -> PastedUrl:
    parsed = PastedUrl.parse(text)
    assert parsed is not None
    return parsed


def url_claims(text: str) -> dict[str, TaskRef]:
    return {n: ref for n, p in PROVIDERS.items() if (ref := p.ref_from_url(url(text)))}


def json_claims(doc: Any) -> dict[str, list[TaskRef]]:
    return {n: refs for n, p in PROVIDERS.items() if (refs := p.refs_from_json(doc))}


# --- bare IDs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        # reAPI's two documented shapes
        ("task_018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e", {"reapi": C, "apixo": P, "xenodia": P}),
        ("task_01k9s419324drezfbwnsvxyr6h", {"reapi": C, "apixo": P, "xenodia": P}),
        # BytesPike: the same ULID shape in upper case
        ("task_01HQX9F2P6Y8VEX3CRZ8GXJVD9", {"bytespike": C, "apixo": P, "xenodia": P}),
        # Vidgo's unified IDs, and its short upper-case one that others may use too
        ("task-unified-1757165031-uyujaw3d", {"vidgo": C, "apixo": P, "xenodia": P}),
        ("KC9IIO8MLOAN18JX", {"vidgo": P, "apixo": P, "xenodia": P}),
        # Xenodia's and Apixo's free-form examples (and a UUID, an older Xenodia page)
        ("task_abc123xyz789", {"apixo": P, "xenodia": P}),
        ("task_12345678", {"apixo": P, "xenodia": P}),
        ("3f2b8c1e-9d4a-4b7e-8f21-6a5c0d9e1b47", {"apixo": P, "xenodia": P}),
        # near misses of the certain shapes
        ("TASK_018F5A3A1B6E7D9F8C2B4D6E8F0A2C4E", {"apixo": P, "xenodia": P}),
        ("task_018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e0", {"apixo": P, "xenodia": P}),  # 33 hex
        ("task_81HQX9F2P6Y8VEX3CRZ8GXJVD9", {"apixo": P, "xenodia": P}),  # ULID time overflows
        ("task_01HQX9F2P6Y8VEX3CRZ8GXJVDI", {"apixo": P, "xenodia": P}),  # I is not Crockford
        ("task_01HQX9f2P6Y8VEX3CRZ8GXJVD9", {"apixo": P, "xenodia": P}),  # mixed case
        ("task-unified-1757165031-UYUJAW3D", {"apixo": P, "xenodia": P}),
        # a ULID without letters is both ULID shapes: neither provider can be sure
        ("task_01234567890123456789012345", {"reapi": C, "bytespike": C, "apixo": P, "xenodia": P}),
        # not IDs at all
        ("hello", {}),
        ("Authorization", {}),
        ("12345678", {}),
        ("2025-01-01", {}),
        ("v1.2.3", {}),
        ("task_", {}),
        ("ab1", {}),
        ("", {}),
        ("task_abc123xyz789!", {}),
        ("täsk_123456", {}),
    ],
)
def test_id_match_by_shape(token: str, expected: dict[str, IdMatch]) -> None:
    assert matches(token) == {name: expected.get(name, N) for name in PROVIDERS}


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("task_123", True),
        ("abc123", True),
        ("KC9IIO8MLOAN18JX", True),
        ("ab12", False),  # too short to be anyone's ID
        ("x" * 255 + "1", True),
        ("x" * 256 + "1", False),
        ("hello_world", False),  # no digit
        ("1234-5678", False),  # no letter
        ("-task123", False),
        ("task 123", False),
        ("task/123", False),
        ("task_１２３", False),  # full-width digits are not ASCII
    ],
)
def test_looks_like_task_id(token: str, expected: bool) -> None:
    assert looks_like_task_id(token) is expected


class _Sixth(Provider):
    """A provider that overrides no recognition hook."""

    name: ClassVar[str] = "sixth"
    display_name: ClassVar[str] = "Sixth"
    default_base_url: ClassVar[str] = "https://api.sixth.example"

    def status_request(self, ref: TaskRef) -> RequestSpec:
        return RequestSpec("GET", f"/tasks/{ref.task_id}")

    def parse_status(self, untrusted_body: bytes) -> Snapshot:
        raise NotImplementedError


def test_a_provider_without_hooks_recognises_nothing() -> None:
    sixth = _Sixth()
    assert sixth.id_match("task_018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e") is IdMatch.NO
    assert sixth.ref_from_url(url("https://api.sixth.example/tasks/abc123")) is None
    assert sixth.refs_from_json({"task_id": "abc123", "status": "running"}) == []


@ALL
def test_api_host_is_the_default_base_urls_host(provider: Provider) -> None:
    assert provider.api_host and provider.default_base_url == f"https://{provider.api_host}"


# --- URLs ----------------------------------------------------------------------


def test_pasted_url_is_split_and_decoded() -> None:
    parsed = url("HTTPS://API.Apixo.AI:443//api/v1/statusTask/nano%2Dbanana/?taskId=task%5Fabc1&x=")
    assert parsed == PastedUrl(
        host="api.apixo.ai",
        segments=("api", "v1", "statusTask", "nano-banana"),
        query=(("taskId", "task_abc1"), ("x", "")),
    )
    assert parsed.param("taskId") == "task_abc1"
    assert parsed.param("missing") is None


@pytest.mark.parametrize(
    "text",
    [
        "file:///etc/passwd",
        "ftp://reapi.ai/api/v1/tasks/task_1",
        "https:///api/v1/tasks/task_1",  # no host
        "http://[::1/api/v1/tasks/task_1",  # unbalanced IPv6 bracket
        "https://reapi.ai/?" + "&".join(f"a{i}=1" for i in range(100)),
        "https://reapi.ai/" + "a" * 3000,
        "task_018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e",
    ],
)
def test_pasted_url_refuses_what_is_not_a_bounded_web_url(text: str) -> None:
    assert PastedUrl.parse(text) is None


@pytest.mark.parametrize(
    ("text", "provider", "ref"),
    [
        (
            "https://api.xenodia.xyz/v1/tasks/task_123",
            "xenodia",
            TaskRef("xenodia", "task_123"),
        ),
        (
            "https://api.apixo.ai/api/v1/statusTask/nano-banana?taskId=task_abc123",
            "apixo",
            TaskRef("apixo", "task_abc123", model="nano-banana"),
        ),
        (
            "https://llm.bytespike.ai/v1/tasks/stream/task_01HQX9F2P6Y8VEX3CRZ8GXJVD9",
            "bytespike",
            TaskRef("bytespike", "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9"),
        ),
        (
            "https://llm.bytespike.ai/v1/tasks/cancel/task_01HQX9F2P6Y8VEX3CRZ8GXJVD9",
            "bytespike",
            TaskRef("bytespike", "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9"),
        ),
        (
            "https://api.vidgo.ai/api/generate/status/task-unified-1757165031-uyujaw3d",
            "vidgo",
            TaskRef("vidgo", "task-unified-1757165031-uyujaw3d"),
        ),
        (
            "https://reapi.ai/api/v1/tasks/task_01k9s419324drezfbwnsvxyr6h",
            "reapi",
            TaskRef("reapi", "task_01k9s419324drezfbwnsvxyr6h"),
        ),
        (  # a result URL embeds the ID without its prefix
            "https://cdn.reapi.ai/media/tasks/018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e/1.png",
            "reapi",
            TaskRef("reapi", "task_018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e"),
        ),
    ],
)
def test_documented_url_is_claimed_by_its_provider_alone(
    text: str, provider: str, ref: TaskRef
) -> None:
    assert url_claims(text) == {provider: ref}


@pytest.mark.parametrize(
    ("path", "provider"),
    [
        ("/v1/tasks/task_0a1b2c3d4e5f60718293a4b5", "xenodia"),
        ("/api/v1/statusTask/flux-2?taskId=task_q8w7e6r5t4y3", "apixo"),
        ("/v1/tasks/stream/task_01HQX9F2P6Y8VEX3CRZ8GXJVD9", "bytespike"),
        ("/api/generate/status/KC9IIO8MLOAN18JX", "vidgo"),
        ("/api/v1/tasks/task_018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e", "reapi"),
    ],
)
def test_the_simulators_urls_are_recognised_by_path(path: str, provider: str) -> None:
    assert list(url_claims(f"http://127.0.0.1:8800{path}")) == [provider]


def test_percent_encoded_id_and_trailing_slash() -> None:
    claims = url_claims(
        "https://api.vidgo.ai/api/generate/status/task%2Dunified%2D1757165031%2Dabc/"
    )
    assert claims == {"vidgo": TaskRef("vidgo", "task-unified-1757165031-abc")}


@pytest.mark.parametrize(
    "text",
    [
        "https://llm.bytespike.ai/v1/tasks/query",  # a POST: its URL names no task
        "https://llm.bytespike.ai/v1/tasks/submit",
        "https://api.xenodia.xyz/v1/tasks",
        "https://api.xenodia.xyz/v1/tasks/task_123/extra",
        "https://api.xenodia.xyz/v1/models",
        "https://reapi.ai/docs/api/tasks",
        "https://api.apixo.ai/api/v1/generateTask/nano-banana",
        "https://example.com/media/tasks/018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e/0.png",  # not reAPI's CDN
        "https://cdn.reapi.ai/media/tasks/not-an-id/0.png",
        "https://cdn.apixo.ai/output/abc123.jpg",
        "https://storage.vidgo.ai/generated/image-abc123.jpg",
    ],
)
def test_other_urls_are_claimed_by_no_provider(text: str) -> None:
    assert url_claims(text) == {}


def test_apixo_status_url_without_task_id_is_a_bad_reference() -> None:
    with pytest.raises(BadReference, match="taskId"):
        PROVIDERS["apixo"].ref_from_url(url("https://api.apixo.ai/api/v1/statusTask/nano-banana"))


def test_apixo_status_url_with_an_absurd_model_is_a_bad_reference() -> None:
    text = f"https://api.apixo.ai/api/v1/statusTask/{'m' * 201}?taskId=task_abc123"
    with pytest.raises(BadReference, match="model"):
        PROVIDERS["apixo"].ref_from_url(url(text))


# --- JSON ----------------------------------------------------------------------

DOCUMENTED_IDS = {
    "xenodia": "task_123",
    "apixo": "task_abc123xyz789",
    "bytespike": "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9",
}


@pytest.mark.parametrize(
    ("provider", "doc"),
    [(name, doc) for name, docs in DOCUMENTED.items() for doc in docs],
    ids=[f"{name}-{i}" for name, docs in DOCUMENTED.items() for i in range(len(docs))],
)
def test_documented_status_response_is_claimed_by_its_provider_alone(
    provider: str, doc: dict[str, Any]
) -> None:
    task_id = doc.get("id") or doc.get("task_id") or doc.get("data", {}).get("task_id")
    task_id = DOCUMENTED_IDS.get(provider, task_id)
    assert json_claims(doc) == {provider: [TaskRef(provider, task_id)]}


SUBMIT_REPLIES: list[tuple[str, dict[str, Any], TaskRef]] = [
    (  # Xenodia: 202 with the task envelope
        "xenodia",
        {
            "task_id": "task_7f3a9c",
            "object": "task",
            "model": "veo3_fast",
            "type": "video",
            "state": "waiting",
            "created_at": 1760000000,
            "poll_url": "/v1/tasks/task_7f3a9c",
            "capability_slug": "video-generation",
            "capability_version": "1",
            "recommended_poll_interval_ms": 2000,
            "eta_hint_seconds": 60,
        },
        TaskRef("xenodia", "task_7f3a9c"),
    ),
    (
        "apixo",
        {"code": 200, "message": "success", "data": {"taskId": "task_abc123xyz789"}},
        TaskRef("apixo", "task_abc123xyz789"),
    ),
    (  # BytesPike: the submit reply's exact body is unpublished; these fields are
        "bytespike",
        {
            "task_id": "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9",
            "estimated_credits": 1.5,
            "estimated_seconds": 35,
        },
        TaskRef("bytespike", "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9"),
    ),
    (
        "vidgo",
        {
            "code": 200,
            "data": {
                "task_id": "task-unified-1757165031-uyujaw3d",
                "status": "not_started",
                "created_time": "2025-11-12T10:30:00",
            },
        },
        TaskRef("vidgo", "task-unified-1757165031-uyujaw3d"),
    ),
    (  # some Vidgo model pages show only these two fields
        "vidgo",
        {"code": 200, "data": {"task_id": "KC9IIO8MLOAN18JX", "created_time": "2025-11-12"}},
        TaskRef("vidgo", "KC9IIO8MLOAN18JX"),
    ),
    (  # reAPI: `id`, not task_id; the model is not part of a reAPI reference
        "reapi",
        {
            "id": "task_01k9s419324drezfbwnsvxyr6h",
            "model": "doubao-seedance-2.0",
            "status": "processing",
            "created_at": 1762853430,
        },
        TaskRef("reapi", "task_01k9s419324drezfbwnsvxyr6h"),
    ),
]


@pytest.mark.parametrize(
    ("provider", "doc", "ref"), SUBMIT_REPLIES, ids=[p for p, _, _ in SUBMIT_REPLIES]
)
def test_submit_reply_is_claimed_by_its_provider_alone(
    provider: str, doc: dict[str, Any], ref: TaskRef
) -> None:
    assert json_claims(doc) == {provider: [ref]}


def test_bytespike_prefers_task_id_over_out_task_id() -> None:
    server_id = "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9"
    doc = {"task_id": server_id, "out_task_id": "job-42", "status": "running"}
    assert PROVIDERS["bytespike"].refs_from_json(doc) == [TaskRef("bytespike", server_id)]


def test_bytespike_with_only_out_task_id_is_looked_up_by_it() -> None:
    doc = {"out_task_id": "job-42", "status": "pending"}
    assert PROVIDERS["bytespike"].refs_from_json(doc) == [
        TaskRef("bytespike", "job-42", by_out_task_id=True)
    ]


def test_apixo_takes_the_model_when_the_response_names_it() -> None:
    doc = {"code": 200, "data": {"taskId": "task_abc1", "state": "pending", "model": " flux-2 "}}
    assert PROVIDERS["apixo"].refs_from_json(doc) == [TaskRef("apixo", "task_abc1", model="flux-2")]


def test_apixo_reads_a_bare_data_object() -> None:
    doc = {"taskId": "task_abc123xyz789", "state": "processing", "createTime": 1704067200000}
    assert json_claims(doc) == {"apixo": [TaskRef("apixo", "task_abc123xyz789")]}


@pytest.mark.parametrize(
    "doc",
    [
        None,
        42,
        "task_018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e",
        [],
        {},
        {"id": "resp_123", "object": "response", "status": "completed"},  # OpenAI
        {"id": "task_018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e", "status": "running"},  # not reAPI's status
        {"task_id": "task_1", "status": "processing"},  # no provider's vocabulary
        {"error": {"code": 40001, "message": "Task not found"}},  # reAPI error
        {"error": {"type": "invalid_request_error", "code": "task_not_found", "message": "x"}},
        {"error": "not_found", "message": "task not found", "type": "x", "code": "404"},
        {"code": 404, "message": "Task not found"},  # Apixo error
        {"code": 400, "message": "Invalid request", "data": {"error": "bad model"}},
        {"code": 200, "data": {"email": "a@b.c", "credits_amount": 10}},  # Vidgo balance
        {"provider": "reapi", "task_id": "task_1", "state": "running"},  # taskmon's own JSON
        {"task_id": 123, "object": "task", "state": "waiting"},
        {"code": 200, "data": {"taskId": ["task_1"]}},
    ],
)
def test_other_json_is_claimed_by_no_provider(doc: Any) -> None:
    assert json_claims(doc) == {}


@ALL
def test_no_provider_but_apixo_returns_a_model(provider: Provider) -> None:
    for docs in DOCUMENTED.values():
        for doc in docs:
            with_model = {**doc, "model": "m"}
            if isinstance(doc.get("data"), dict):
                with_model["data"] = {**doc["data"], "model": "m"}
            for ref in provider.refs_from_json(with_model):
                assert (ref.model is not None) is provider.requires_model


# --- no input breaks a hook ----------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["id", "task_id", "taskId", "status", "state", "data", "code", "object"]
            )
            | st.text(max_size=8),
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
)


@ALL
@FUZZ
@given(doc=_json)
def test_refs_from_json_never_raises(provider: Provider, doc: Any) -> None:
    for ref in provider.refs_from_json(doc):
        assert ref.provider == provider.name and isinstance(ref.task_id, str)


@ALL
@FUZZ
@given(token=st.text(max_size=300))
def test_id_match_never_raises(provider: Provider, token: str) -> None:
    assert isinstance(provider.id_match(token), IdMatch)


@ALL
@FUZZ
@given(
    path=st.lists(
        st.sampled_from(["api", "v1", "tasks", "statusTask", "generate", "status", "stream"])
        | st.text(max_size=12),
        max_size=5,
    ),
    query=st.text(max_size=30),
)
def test_ref_from_url_answers_or_says_bad_reference(
    provider: Provider, path: list[str], query: str
) -> None:
    parsed = PastedUrl.parse("https://h.example/" + "/".join(path) + "?" + query)
    if parsed is None:
        return
    try:
        ref = provider.ref_from_url(parsed)
    except BadReference:
        return
    assert ref is None or ref.provider == provider.name
