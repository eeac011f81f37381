"""The simulator's house rules: its public surface, no import cycle, small modules and folders."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import taskmon.sim

ROOT = Path(taskmon.sim.__file__).parent
PACKAGE = "taskmon.sim"
MAX_MODULE_LINES = 400
MAX_MODULES_PER_FOLDER = 15


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PACKAGE, *parts))


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imported(name: str, path: Path) -> set[str]:
    """Every module `name` imports anywhere in its file (TYPE_CHECKING blocks and functions too)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing package
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            # `from taskmon.sim import control` imports the submodule control
            found.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES)
    return found


GRAPH = {
    name: {m for m in _imported(name, path) if m in MODULES and m != name}
    for name, path in MODULES.items()
}


def test_the_package_exports_exactly_its_public_surface() -> None:
    assert sorted(taskmon.sim.__all__) == sorted(
        [
            "DEFAULT_KEYS",
            "FAULT_KINDS",
            "OUTAGE_KINDS",
            "PROVIDERS",
            "Fault",
            "Outage",
            "OutageHit",
            "PollRecord",
            "SimTask",
            "Simulator",
            "SimulatorThread",
            "TaskScript",
            "TaskStats",
            "demo_scripts",
        ]
    )
    for name in taskmon.sim.__all__:
        assert getattr(taskmon.sim, name) is not None
    assert taskmon.sim.PROVIDERS == ("xenodia", "apixo", "bytespike", "vidgo", "reapi")


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in `edges` (module -> modules it imports), or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(edges.get(node, ())):
            found = visit(target, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    for node in sorted(edges):
        found = visit(node, [])
        if found:
            return found
    return None


def test_there_is_no_import_cycle_between_simulator_modules() -> None:
    # The package's own __init__ imports the public surface; other modules import
    # submodules directly (a test below), so only explicit edges count.
    cycle = _cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def _sibling(module: str, package: str) -> str | None:
    """The child of `package` that holds `module` (itself, or the subpackage it is in)."""
    if not module.startswith(package + "."):
        return None
    return ".".join(module.split(".")[: package.count(".") + 2])


def test_there_is_no_import_cycle_between_siblings_of_a_package() -> None:
    """A subpackage counts as one node with everything inside it (import-linter's
    acyclic_siblings): `providers/` and `media/` sit wholly above or below each neighbour."""
    for package in sorted(n for n, p in MODULES.items() if p.name == "__init__.py"):
        edges: dict[str, set[str]] = {}
        for name, imports in GRAPH.items():
            source = _sibling(name, package)
            for imported in imports:
                target = _sibling(imported, package)
                if source and target and target != source:
                    edges.setdefault(source, set()).add(target)
        cycle = _cycle(edges)
        assert cycle is None, f"in {package}: " + " -> ".join(cycle or [])


def test_no_module_but_the_package_imports_the_package_itself() -> None:
    """Importing `taskmon.sim` from inside would run the public surface's imports mid-way."""
    for name, imports in GRAPH.items():
        assert PACKAGE not in imports, f"{name} imports {PACKAGE}; import the submodule"


def test_the_simulator_imports_only_itself_aiohttp_and_the_standard_library() -> None:
    allowed_roots = set(sys.stdlib_module_names) | {"aiohttp", "__future__"}
    for name, path in MODULES.items():
        for imported in _imported(name, path):
            if imported == PACKAGE or imported.startswith(PACKAGE + "."):
                assert imported in MODULES, f"{name} imports missing {imported}"
                continue
            assert imported.split(".")[0] in allowed_roots, f"{name} imports {imported}"


def test_every_provider_is_one_module_with_one_spec() -> None:
    from taskmon.sim.providers.registry import SPECS

    for provider in taskmon.sim.PROVIDERS:
        module = f"{PACKAGE}.providers.{provider}"
        assert module in MODULES
        assert SPECS[provider].install.__module__ == module
        assert SPECS[provider].status_body.__module__ == module
        assert SPECS[provider].error_body.__module__ == module


def test_modules_and_folders_stay_small() -> None:
    for path in MODULES.values():
        lines = len(path.read_text().splitlines())
        assert lines <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)} has {lines} lines"
    for folder in {p.parent for p in MODULES.values()}:
        count = len(list(folder.glob("*.py")))
        assert count <= MAX_MODULES_PER_FOLDER, f"{folder.relative_to(ROOT)} holds {count}"
