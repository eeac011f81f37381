"""Save patterns: placeholders, subfolders, and hostile values that never escape the folder."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pathvalidate import validate_filename

from taskmon.downloads.save_pattern import (
    DEFAULT_PATTERN,
    MAX_COMPONENT_BYTES,
    PLACEHOLDERS,
    PatternError,
    ResultFields,
    SavePattern,
    cache_name_hint,
)

FINISHED = datetime(2026, 3, 1, 12, 34, 56, tzinfo=UTC)
HOSTILE = [
    "../../x",
    "..",
    ".",
    "/etc/passwd",
    "C:\\Windows\\system32",
    "CON",
    "nul",
    "COM1",
    "lpt9.txt",
    "CON ",
    'say "cheese"',
    "a/b/c",
    "line one\nline two\r\n",
    "\x1b[2J\x00bell\x07",
    ".hidden",
    "trailing dots...",
    "é" * 300,
    "x" * 300,
    "",
    "   ",
]


def fields(**changes: object) -> ResultFields:
    base: dict[str, object] = {
        "provider": "xenodia",
        "task_id": "task_f131b16a9e",
        "model": "nano-banana-pro",
        "kind": "image",
        "label": "cats",
        "prompt": "A cat on a mat",
        "index": 1,
        "n": 2,
        "ext": "png",
        "finished_at": FINISHED,
    }
    base.update(changes)
    return ResultFields(**base)  # type: ignore[arg-type]


def render(pattern: str, **changes: object) -> PurePosixPath:
    return SavePattern.parse(pattern).render(fields(**changes))


def assert_safe(path: PurePosixPath) -> None:
    assert not path.is_absolute()
    for part in path.parts:
        assert part not in ("", ".", "..")
        assert not part.startswith(".")
        assert len(part.encode()) <= MAX_COMPONENT_BYTES
        assert not any(ord(c) < 32 or c in '/\\:*?"<>|' for c in part)
        validate_filename(part, platform="universal")  # reserved names, trailing dots…


def test_the_default_pattern_names_provider_task_and_index() -> None:
    assert render(DEFAULT_PATTERN) == PurePosixPath("xenodia_task_f131b16a9e_1.png")


def test_every_placeholder_is_substituted() -> None:
    pattern = "_".join("{" + p + "}" for p in PLACEHOLDERS)
    assert render(pattern, index=2).name == (
        "xenodia_task_f131b16a9e_nano-banana-pro_image_cats_A cat on a mat_2_2_png"
        "_2026-03-01_123456"
    )


def test_date_and_time_are_the_finish_in_utc() -> None:
    from datetime import timedelta, timezone

    later = FINISHED.astimezone(timezone(timedelta(hours=-5)))
    assert render("{date}/{time}.{ext}", finished_at=later) == PurePosixPath(
        "2026-03-01/123456.png"
    )


def test_the_prompt_is_cut_to_60_characters() -> None:
    assert render("{prompt}", prompt="p" * 100).name == "p" * 60


def test_a_slash_in_the_pattern_makes_subfolders() -> None:
    assert render("{provider}/{kind}/{label}_{index}.{ext}") == PurePosixPath(
        "xenodia/image/cats_1.png"
    )


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_labels_and_prompts_stay_one_safe_component(value: str) -> None:
    path = render("{label}/{prompt}_{index}.{ext}", label=value, prompt=value)
    assert len(path.parts) == 2  # a slash in a value never makes a folder
    assert_safe(path)
    assert path.name.endswith(".png")


@pytest.mark.parametrize("value", ["CON", "nul", "COM1", "lpt9.txt", "CON "])
def test_reserved_names_are_renamed(value: str) -> None:
    path = render("{label}", label=value)
    assert path.name.split(".")[0].upper() not in {"CON", "NUL", "COM1", "LPT9"}


def test_an_empty_value_leaves_a_usable_name() -> None:
    assert render("{label}/{label}", label="") == PurePosixPath("_/_")
    assert render("{label}_{index}.{ext}", label=None) == PurePosixPath("_1.png")


def test_a_long_value_is_cut_to_255_bytes_keeping_the_extension() -> None:
    path = render("{label}/{label}.{ext}", label="é" * 300)
    assert all(len(p.encode()) <= 255 for p in path.parts)
    assert path.name.endswith(".png")


def test_an_unknown_extension_reads_bin() -> None:
    assert render("{index}.{ext}", ext="") == PurePosixPath("1.bin")


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("{foo}.png", "unknown placeholder {foo}"),
        ("{index:03}", "unknown placeholder {index:03}"),
        ("{label!r}", "unknown placeholder {label!r}"),
        ("{}", "unknown placeholder {}"),
        ("{label", "not valid"),
        ("/abs/{index}", "must be relative"),
        ("../{index}", "'..'"),
        ("a//{index}", "empty"),
        ("", "empty"),
    ],
)
def test_a_bad_pattern_is_a_usage_error_that_says_why(pattern: str, words: str) -> None:
    with pytest.raises(PatternError) as caught:
        SavePattern.parse(pattern)
    assert words in str(caught.value)


def test_doubled_braces_are_literal_braces() -> None:
    assert render("{{{index}}}") == PurePosixPath("{1}")


@given(st.text(max_size=400), st.text(max_size=400))
def test_any_label_and_prompt_give_a_safe_relative_path(label: str, prompt: str) -> None:
    assert_safe(render("{label}/{prompt}/{index}.{ext}", label=label, prompt=prompt))


def test_cache_names_are_provider_short_id_and_index() -> None:
    assert cache_name_hint("xenodia", "task_f131b16a9e77", 0) == "xenodia_task_f131b16_1"
    assert cache_name_hint("reapi", "../../etc/passwd", 2) == "reapi_.._.._etc_pa_3"
    validate_filename(cache_name_hint("x", "CON", 0), platform="universal")
