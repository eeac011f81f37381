"""What every provider promises the engine, whatever the provider."""

from __future__ import annotations

from typing import Any

import pytest

from taskmon.domain.task import TaskRef
from taskmon.providers import PROVIDERS
from taskmon.providers.base import ApiProblem, BadReference, MalformedResponse, Provider

from .examples import DOCUMENTED, body

ALL = pytest.mark.parametrize("provider", PROVIDERS.values(), ids=list(PROVIDERS))

HTML_ERROR_PAGE = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"


def documented_body(provider: Provider) -> bytes:
    return body(DOCUMENTED[provider.name][-1])


@ALL
def test_html_error_page_is_malformed(provider: Provider) -> None:
    with pytest.raises(MalformedResponse, match="HTML"):
        provider.parse_status(HTML_ERROR_PAGE)


@ALL
@pytest.mark.parametrize("empty", [b"", b"   \n"])
def test_empty_body_is_malformed(provider: Provider, empty: bytes) -> None:
    with pytest.raises(MalformedResponse):
        provider.parse_status(empty)


@ALL
def test_truncated_json_is_malformed(provider: Provider) -> None:
    whole = documented_body(provider)
    with pytest.raises(MalformedResponse):
        provider.parse_status(whole[: len(whole) // 2])


@ALL
@pytest.mark.parametrize(
    "junk",
    [b"null", b"[]", b'[{"status": "completed"}]', b'"completed"', b"42", b"{}", b"\xff\xfe"],
)
def test_bodies_that_are_not_a_task_object_are_malformed(provider: Provider, junk: bytes) -> None:
    with pytest.raises(MalformedResponse):
        provider.parse_status(junk)


@ALL
def test_deeply_nested_json_is_malformed(provider: Provider) -> None:
    with pytest.raises(MalformedResponse):
        provider.parse_status(b"[" * 100_000 + b"]" * 100_000)


def with_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return value + "\udc00"
    if isinstance(value, dict):
        return {k: with_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_lone_surrogates(v) for v in value]
    return value


@ALL
def test_lone_surrogates_in_strings_do_not_crash(provider: Provider) -> None:
    for example in DOCUMENTED[provider.name]:
        snapshot = provider.parse_status(body(with_lone_surrogates(example)))
        assert snapshot.raw_status is not None
        # Kept, but made visible: a lone surrogate cannot even be encoded for a terminal.
        assert snapshot.raw_status.endswith("\\udc00")


@ALL
def test_every_documented_example_has_a_known_state(provider: Provider) -> None:
    for example in DOCUMENTED[provider.name]:
        assert provider.parse_status(body(example)).state is not None


@ALL
def test_snapshot_keeps_the_decoded_payload_as_raw(provider: Provider) -> None:
    example = DOCUMENTED[provider.name][0]
    assert provider.parse_status(body(example)).raw == example


@ALL
@pytest.mark.parametrize("junk", [b"", HTML_ERROR_PAGE, b"null", b"[1]", b'{"error": 5}'])
def test_error_bodies_without_a_message_give_an_empty_problem(
    provider: Provider, junk: bytes
) -> None:
    assert provider.parse_error(junk) == ApiProblem()


@ALL
def test_long_error_messages_are_clipped(provider: Provider) -> None:
    long = "x" * 10_000
    bodies = [
        f'{{"message": "{long}"}}',
        f'{{"error": {{"message": "{long}"}}}}',
    ]
    for raw in bodies:
        message = provider.parse_error(raw.encode()).message
        assert message is None or len(message) <= 500


@ALL
@pytest.mark.parametrize("task_id", ["", "   ", "x" * 257])
def test_unusable_task_ids_are_bad_references(provider: Provider, task_id: str) -> None:
    with pytest.raises(BadReference):
        provider.status_request(TaskRef(provider.name, task_id, model="m"))


@ALL
def test_out_task_id_lookup_is_a_bad_reference_unless_supported(provider: Provider) -> None:
    ref = TaskRef(provider.name, "my-job-42", model="m", by_out_task_id=True)
    if provider.supports_out_task_id:
        assert provider.status_request(ref).method in {"GET", "POST"}
    else:
        with pytest.raises(BadReference):
            provider.status_request(ref)


@ALL
def test_the_status_path_is_absolute_and_the_base_url_is_scheme_and_host(
    provider: Provider,
) -> None:
    spec = provider.status_request(TaskRef(provider.name, "task_1", model="m"))
    assert spec.path.startswith("/")
    assert provider.default_base_url.startswith("https://")
    assert provider.default_base_url.count("/") == 2


@ALL
@pytest.mark.parametrize(
    "task_id",
    ["bad id with spaces", "x1\nadded reapi task_forged", "x1\r", "x1\x1b]0;owned\x07", "x1\u202e"],
    ids=["space", "newline", "carriage-return", "escape", "bidi-override"],
)
def test_an_id_with_whitespace_or_control_characters_is_refused(
    provider: Provider, task_id: str
) -> None:
    ref = TaskRef(provider.name, task_id, model="m-1" if provider.requires_model else None)
    with pytest.raises(BadReference, match="cannot contain spaces, line breaks or control"):
        provider.validate_ref(ref)
