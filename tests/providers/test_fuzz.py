"""Whatever arrives, providers fail only in the two ways the engine handles.

parse_status may raise MalformedResponse or ApiError and nothing else;
parse_error and parse_stream_event never raise.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskmon.domain.snapshot import Snapshot
from taskmon.providers import PROVIDERS
from taskmon.providers.base import ApiError, MalformedResponse, Provider

from .examples import DOCUMENTED

ALL = pytest.mark.parametrize("provider", PROVIDERS.values(), ids=list(PROVIDERS))
FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,  # nothing written into the shared checkout
    suppress_health_check=[HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(
        ["success", "completed", "finished", "200", "1760000000", "https://c/x.mp4", "{", ""]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document a mutation can touch."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(paths(child, (*prefix, index)))
    return found


@st.composite
def mutated_examples(draw: st.DrawFn, provider_name: str) -> Any:
    """A documented example with a few values replaced or keys deleted."""
    doc: Any = copy.deepcopy(draw(st.sampled_from(DOCUMENTED[provider_name])))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        path = draw(st.sampled_from(paths(doc)))
        if not path:
            doc = draw(json_values)
            continue
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
        if not isinstance(doc, dict | list):
            break
    return doc


def parse_allowing_documented_failures(provider: Provider, untrusted_body: bytes) -> None:
    try:
        snapshot = provider.parse_status(untrusted_body)
    except (MalformedResponse, ApiError):
        return
    assert isinstance(snapshot, Snapshot)
    assert len(snapshot.outputs) <= 100
    assert snapshot.progress is None or 0 <= snapshot.progress <= 100
    for moment in (snapshot.created_at, snapshot.updated_at, snapshot.completed_at):
        assert moment is None or moment.utcoffset() is not None


def dumps(doc: Any) -> bytes:
    return json.dumps(doc).encode()  # NaN and Infinity included: Python's parser accepts them


@ALL
@FUZZ
@given(untrusted_body=st.binary(max_size=300))
def test_arbitrary_bytes_fail_only_as_documented(provider: Provider, untrusted_body: bytes) -> None:
    parse_allowing_documented_failures(provider, untrusted_body)
    provider.parse_error(untrusted_body)


@ALL
@FUZZ
@given(doc=json_values)
def test_arbitrary_json_fails_only_as_documented(provider: Provider, doc: Any) -> None:
    parse_allowing_documented_failures(provider, dumps(doc))
    provider.parse_error(dumps(doc))


@ALL
@FUZZ
@given(data=st.data())
def test_mutated_documented_examples_fail_only_as_documented(
    provider: Provider, data: st.DataObject
) -> None:
    doc = data.draw(mutated_examples(provider.name))
    parse_allowing_documented_failures(provider, dumps(doc))
    provider.parse_error(dumps(doc))


@ALL
@FUZZ
@given(event=st.text(max_size=20), data=st.text(max_size=200) | json_values.map(json.dumps))
def test_stream_events_never_raise(provider: Provider, event: str, data: str) -> None:
    result = provider.parse_stream_event(event, data)
    assert result is None or isinstance(result, Snapshot)


@FUZZ
@given(data=st.data())
def test_mutated_task_objects_as_stream_events_never_raise(data: st.DataObject) -> None:
    bytespike = PROVIDERS["bytespike"]
    doc = data.draw(mutated_examples("bytespike"))
    result = bytespike.parse_stream_event("message", json.dumps(doc))
    assert result is None or isinstance(result, Snapshot)


@FUZZ
@given(
    headers=st.dictionaries(
        st.sampled_from(["X-RateLimit-Reset", "x-ratelimit-reset", "Other"]), st.text(max_size=30)
    ),
    now=st.floats(min_value=0, max_value=4e9),
)
def test_rate_limit_reset_is_none_or_within_an_hour(headers: dict[str, str], now: float) -> None:
    wait = PROVIDERS["bytespike"].rate_limit_reset_s(headers, now)
    assert wait is None or 0 <= wait <= 3600
