"""civic/ uses the real-time libraries through their public interfaces only: an upgrade of eventlet,
python-engineio, python-socketio or Flask-SocketIO cannot break it silently.

No module of theirs is imported but the public ones, and no private name of theirs (an attribute,
function, class or module whose name starts with an underscore, as defined in their own source)
appears in civic/, as an attribute, an import or a string.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("flask_socketio", "engineio", "socketio", "eventlet")
# The modules of these libraries civic may import: their documented entry points.
PUBLIC_MODULES = {"flask_socketio", "eventlet", "eventlet.websocket"}


def _sources(folder: Path) -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(folder.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _private(name: str) -> bool:
    """A private name: a leading underscore, not a dunder, not a throwaway `_` or `_x`."""
    return name.startswith("_") and len(name.strip("_")) > 1 and not name.endswith("__")


def private_names() -> set[str]:
    """Every private name the libraries define: functions, classes, attributes, module names."""
    found: set[str] = set()
    for library in LIBRARIES:
        spec = importlib.util.find_spec(library)
        assert spec is not None and spec.origin is not None, library
        folder = Path(spec.origin).parent
        for path, tree in _sources(folder):
            found.update(part for part in path.relative_to(folder).with_suffix("").parts if _private(part))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    name = node.name
                elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                    name = node.attr
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    name = node.id
                else:
                    continue
                if _private(name):
                    found.add(name)
    return found


def _uses(tree: ast.Module) -> Iterator[tuple[int, str, str]]:
    """(line, kind, name) of every import, attribute and string of a module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, "import", alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, "import", node.module
            for alias in node.names:
                yield node.lineno, "imported name", alias.name
        elif isinstance(node, ast.Attribute) and not (
            isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
        ):
            yield node.lineno, "attribute", node.attr
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, "string", node.value


def test_civic_imports_only_the_public_modules_of_the_real_time_libraries() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path, tree in _sources(ROOT / "civic")
        for line, kind, name in _uses(tree)
        if kind == "import" and name.split(".")[0] in LIBRARIES and name not in PUBLIC_MODULES
    ]
    assert not wrong, "\n".join(wrong)


def test_no_private_name_of_the_real_time_libraries_appears_in_civic() -> None:
    private = private_names()
    assert {"_apply_mask", "_send", "_handle_event", "_async", "_trigger_event"} <= private  # the scan sees
    own: set[str] = set()  # civic's own private names (its classes' attributes), which may coincide
    for _path, tree in _sources(ROOT / "civic"):
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                own.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                own.add(node.attr)
    words = re.compile(r"\b(" + "|".join(sorted(map(re.escape, private))) + r")\b")
    found = []
    for path, tree in _sources(ROOT / "civic"):
        for line, kind, name in _uses(tree):
            if kind in ("attribute", "imported name") and name in private and name not in own:
                found.append(f"{path.relative_to(ROOT)}:{line} {kind} {name}")
            elif kind == "string" and (match := words.search(name)) and match.group(1) not in own:
                found.append(f"{path.relative_to(ROOT)}:{line} string naming {match.group(1)}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "source",
    ["engine._async = {}", "ws._apply_mask = unmask", "from engineio.async_drivers import eventlet"],
)
def test_the_scan_finds_what_it_looks_for(source: str) -> None:
    tree = ast.parse(source)
    uses = list(_uses(tree))
    private = private_names()
    assert any(
        (kind == "import" and name.split(".")[0] in LIBRARIES and name not in PUBLIC_MODULES)
        or (kind == "attribute" and name in private)
        for _line, kind, name in uses
    )
