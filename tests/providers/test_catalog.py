"""The provider catalog: names and reference rules known without importing the parsers."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from taskmon.domain import TaskRef
from taskmon.providers import PROVIDERS, BadReference, Provider, ProviderInfo, provider_catalog
from taskmon.providers.catalog import infos_from_source


def test_the_catalog_says_what_the_provider_classes_say() -> None:
    assert dict(provider_catalog()) == {name: p.info() for name, p in PROVIDERS.items()}
    assert list(provider_catalog()) == list(PROVIDERS)


def test_the_catalog_imports_neither_pydantic_nor_any_provider_module() -> None:
    probe = textwrap.dedent(
        """
        import json, sys
        from taskmon.providers import provider_catalog
        print(json.dumps({
            "names": list(provider_catalog()),
            "loaded": sorted(m for m in sys.modules if m.startswith("taskmon.providers.")),
            "pydantic": "pydantic" in sys.modules,
        }))
        """
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    seen = json.loads(done.stdout)

    assert seen["names"] == list(PROVIDERS)
    assert seen["loaded"] == ["taskmon.providers.base", "taskmon.providers.catalog"]
    assert seen["pydantic"] is False


def test_literal_class_attributes_are_read_and_the_rest_default_from_provider() -> None:
    source = """
class _Model(LenientModel):
    name: Text = None

class Sixth(Provider):
    name = "sixth"
    display_name: ClassVar[str] = "Sixth"
    requires_model = True
    default_base_url = "https://sixth.example"
"""
    assert infos_from_source(source) == [ProviderInfo("sixth", "Sixth", True, False)]


@pytest.mark.parametrize(
    "body",
    [
        'name = "sixth"\n    display_name = NAME.title()',  # not a literal
        'name = "sixth"',  # no display name
        'name = "sixth"\n    display_name = "Sixth"\n    requires_model = 1',  # not a bool
    ],
)
def test_attributes_it_cannot_read_leave_the_answer_to_importing(body: str) -> None:
    assert infos_from_source(f"class Sixth(base.Provider):\n    {body}\n") is None


def test_a_module_without_a_direct_provider_subclass_is_left_to_importing() -> None:
    assert infos_from_source("class Seventh(Sixth):\n    name = 'seventh'\n") is None


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_the_catalog_checks_a_reference_as_the_provider_does(name: str) -> None:
    refs = [
        TaskRef(name, "task_1234567"),
        TaskRef(name, "task_1234567", model="m-1"),
        TaskRef(name, "order-1", by_out_task_id=True),
        TaskRef(name, "  "),
        TaskRef(name, "x" * 300, model="m-1"),
    ]
    for ref in refs:
        assert _verdict(provider_catalog()[name], ref) == _verdict(PROVIDERS[name], ref)


def _verdict(checker: ProviderInfo | Provider, ref: TaskRef) -> str:
    try:
        checker.validate_ref(ref)
    except BadReference as exc:
        return str(exc)
    return "ok"
