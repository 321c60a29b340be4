"""The shape of the code, checked from its source with ``ast`` (nothing is imported):
the pure stages never reach for Kafka, Faust or the stream side; no function runs past
120 lines; no two sitrep modules import each other, directly or round a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "services" / "sitrep"
FORBIDDEN_IN_STAGES = ("kafka", "aiokafka", "faust", "sitrep.stream")
MAX_FUNCTION_LINES = 120


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it (type-checking and function-local imports too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}".rstrip(".")
            # ``from sitrep.stages import dedup`` imports the module sitrep.stages.dedup; the
            # package itself counts only when a name is taken from it.
            modules = {f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES}
            names.update(modules)
            if len(modules) < len(node.names):
                names.add(base)
    return names


def sitrep_imports(path: Path) -> set[str]:
    own = module_name(path)
    found = {name for name in imported(path) if name in MODULES and name != own}
    # A package's __init__ is reached on the way to its modules; it only matters when it imports something.
    return {name for name in found if not (MODULES[name].name == "__init__.py" and not sitrep_imports_raw(MODULES[name]))}


def sitrep_imports_raw(path: Path) -> set[str]:
    return {name for name in imported(path) if name.startswith("sitrep")}


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("sitrep.stages")))
def test_stages_import_no_kafka_faust_or_stream_side(name):
    bad = sorted(
        found for found in imported(MODULES[name]) if any(found == root or found.startswith(root + ".") for root in FORBIDDEN_IN_STAGES)
    )
    assert not bad, f"{name} imports {bad}: stages are pure, the stream side calls them"


def test_no_function_is_over_120_lines():
    long = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                if node.end_lineno - start + 1 > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {node.end_lineno - start + 1} lines")
    assert not long, long


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` (module -> modules it imports), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_find_cycle_finds_a_circle_and_only_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycles_among_sitrep_modules():
    graph = {name: sitrep_imports(path) for name, path in MODULES.items()}
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])
