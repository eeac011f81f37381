"""The registry finds every provider module by itself."""

from __future__ import annotations

import pytest

from taskmon.providers import PROVIDERS, get_provider

EXPECTED = {
    "apixo": ("Apixo", "https://api.apixo.ai"),
    "bytespike": ("BytesPike", "https://llm.bytespike.ai"),
    "reapi": ("reAPI", "https://reapi.ai"),
    "vidgo": ("Vidgo", "https://api.vidgo.ai"),
    "xenodia": ("Xenodia", "https://api.xenodia.xyz"),
}


def test_all_five_providers_are_discovered_under_their_names() -> None:
    assert set(PROVIDERS) == set(EXPECTED)
    for name, provider in PROVIDERS.items():
        assert provider.name == name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_provider_has_its_display_name_and_base_url(name: str) -> None:
    provider = PROVIDERS[name]
    assert (provider.display_name, provider.default_base_url) == EXPECTED[name]


def test_only_xenodia_and_vidgo_treat_403_as_a_lost_task() -> None:
    assert {n for n, p in PROVIDERS.items() if p.forbidden_means_lost} == {"xenodia", "vidgo"}


def test_only_bytespike_has_out_task_id_cancel_and_stream() -> None:
    for flag in ("supports_out_task_id", "supports_cancel", "supports_stream"):
        assert {n for n, p in PROVIDERS.items() if getattr(p, flag)} == {"bytespike"}


def test_only_apixo_requires_the_model() -> None:
    assert {n for n, p in PROVIDERS.items() if p.requires_model} == {"apixo"}


def test_lookup_by_name_ignores_case() -> None:
    assert get_provider("ReAPI") is PROVIDERS["reapi"]
