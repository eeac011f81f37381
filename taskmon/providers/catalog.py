"""Which providers exist and what their task references need, without importing their parsers.

`taskmon --help`, `add` and `list` name the providers and check IDs, often in a
script's loop. Importing the provider modules to learn five names would import
pydantic and build every response model, most of those commands' start-up. So
the catalog reads each provider class's `ProviderInfo` attributes
(`name = "…"`, `requires_model = True`, …) from its module's source, and imports
the module only when they cannot be read that way: no source (a frozen app), a
value that is not a literal, a provider class that does not subclass `Provider`
directly. A module already imported is asked directly. Nothing here names a
provider: a new provider module is found like the others.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Iterator, Mapping
from functools import cache
from types import MappingProxyType, ModuleType
from typing import Any, get_args, get_type_hints

from taskmon.providers.base import Provider, ProviderInfo

# Modules of this package that hold no provider.
_NOT_PROVIDERS = frozenset({"base", "catalog", "fields", "registry"})
_FIELD_TYPES: Mapping[str, Any] = get_type_hints(ProviderInfo)  # field -> its type hint


def provider_modules() -> Iterator[str]:
    """The full names of the provider modules, found by listing the package."""
    package = sys.modules[__package__]
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_") and info.name not in _NOT_PROVIDERS:
            yield f"{__package__}.{info.name}"


def provider_classes(module: ModuleType) -> list[type[Provider]]:
    """The Provider subclasses `module` defines (not those it imports)."""
    return [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, Provider)
        and obj is not Provider
        and obj.__module__ == module.__name__
    ]


@cache
def provider_catalog() -> Mapping[str, ProviderInfo]:
    """Every provider's ProviderInfo by name, in name order."""
    found: dict[str, ProviderInfo] = {}
    for module_name in provider_modules():
        for info in _infos(module_name):
            found[info.name] = info
    return MappingProxyType(dict(sorted(found.items())))


def _infos(module_name: str) -> list[ProviderInfo]:
    module = sys.modules.get(module_name)
    if module is None:
        read = _read_source(module_name)
        if read is not None:
            return read
        module = importlib.import_module(module_name)
    return [cls.info() for cls in provider_classes(module)]


def _read_source(module_name: str) -> list[ProviderInfo] | None:
    spec = importlib.util.find_spec(module_name)
    get_source = getattr(spec and spec.loader, "get_source", None)
    try:
        source = None if get_source is None else get_source(module_name)
    except (ImportError, OSError):
        source = None
    return None if source is None else infos_from_source(source)


def infos_from_source(source: str) -> list[ProviderInfo] | None:
    """The ProviderInfo of each class in `source` that subclasses `Provider` directly,
    its fields written as literals; None when only running the module would tell."""
    infos: list[ProviderInfo] = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef) and any(_names_provider(b) for b in node.bases):
            values = _literal_attributes(node)
            if values is None:
                return None
            infos.append(ProviderInfo(**values))
    return infos or None  # no direct subclass of Provider: perhaps an indirect one


def _names_provider(base: ast.expr) -> bool:
    """`Provider` or `<module>.Provider` in a class's bases."""
    return (isinstance(base, ast.Name) and base.id == Provider.__name__) or (
        isinstance(base, ast.Attribute) and base.attr == Provider.__name__
    )


def _literal_attributes(node: ast.ClassDef) -> dict[str, Any] | None:
    """The class's ProviderInfo fields (Provider's defaults for those it does not set);
    None when one is not a literal of the default's type or has no value at all."""
    values: dict[str, Any] = {}
    for statement in node.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in _FIELD_TYPES:
            if not isinstance(value, ast.Constant):
                return None
            values[target.id] = value.value
    for name in _FIELD_TYPES - values.keys():
        if not hasattr(Provider, name):  # name and display_name have no default
            return None
        values[name] = getattr(Provider, name)
    for name, value in values.items():
        if not _fits(value, _FIELD_TYPES[name]):
            return None
    return values


def _fits(value: Any, hint: Any) -> bool:
    """Whether a literal has a field's type: exactly (a bool is no int), a float may be an int."""
    allowed = get_args(hint) or (hint,)  # `float | None` -> (float, NoneType)
    return type(value) in allowed or (float in allowed and type(value) is int)
