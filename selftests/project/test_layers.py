"""The package's folders are its layers: each imports only from the layers below it, and no import circle exists.

Every import counts, also those made inside a function or only for type checking: a circle a type checker
needs is one a reader has to untangle too. docs/architecture.md draws the same picture in words.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "rocketchat_contract"
NAME = "rocketchat_contract"
LAYERS = {
    "contract": 1,
    "client": 2,
    "reference": 2,
    "judge": 3,
    "results": 4,
    "run": 5,
    "reports": 5,
    "fleet": 6,
    "audit": 7,
    "plugin": 8,
    "commands": 8,
}
"""Rank of each folder: a module may import its own folder and folders of a lower rank only."""


def _module(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, root: Path = PACKAGE) -> set[str]:
    """The package's own modules a file imports, as absolute names."""
    module = _module(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith(NAME)}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.startswith(NAME):
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    found.add(submodule if _exists(submodule, root) else base)
    found.discard(module)
    return found


def _exists(module: str, root: Path = PACKAGE) -> bool:
    relative = Path(*module.split(".")[1:])
    return (root / relative).with_suffix(".py").exists() or (root / relative / "__init__.py").exists()


GRAPH = {_module(path): _imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_lives_in_a_layer() -> None:
    loose = [m for m in GRAPH if m != NAME and _layer(m) is None]
    assert not loose, f"modules outside the layer folders {sorted(LAYERS)}: {loose}"


def _upward(module: str, imported: set[str]) -> list[str]:
    own = _layer(module)
    return [
        name
        for name in sorted(imported)
        if (theirs := _layer(name)) is not None and theirs != own and (own is None or LAYERS[theirs] >= LAYERS[own])
    ]


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_a_module_imports_only_its_own_layer_and_lower_ones(module: str) -> None:
    upward = _upward(module, GRAPH[module])
    assert not upward, f"{module} imports {upward}, which are not below {_layer(module)}"


COMMAND_PLUMBING = {f"{NAME}.commands.main", f"{NAME}.commands.cli", f"{NAME}.commands"}
"""The dispatcher and the parser every sub-command shares; every other module of commands/ is one sub-command."""


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _layer(m) == "commands" and m not in COMMAND_PLUMBING))
def test_a_command_imports_no_other_command(module: str) -> None:
    """A sub-command parses its arguments and prints; what two commands share lives in audit/ or below."""
    others = sorted(m for m in GRAPH[module] if _layer(m) == "commands" and m not in COMMAND_PLUMBING)
    assert not others, f"{module} imports the commands {others}"


def test_no_import_circle() -> None:
    circles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for imported in sorted(GRAPH.get(module, ())):
            if state.get(imported) == 1:
                circles.append(" -> ".join([*stack[stack.index(imported) :], imported]))
            elif imported not in state:
                visit(imported)
        stack.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)
    assert not circles, "\n".join(circles)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from ..plugin import hooks\n", "rocketchat_contract.plugin.hooks"),
        ("def f():\n    from rocketchat_contract.plugin.hooks import x\n", "rocketchat_contract.plugin.hooks"),
        ("if TYPE_CHECKING:\n    from .. import plugin\n", "rocketchat_contract.plugin"),
    ],
)
def test_the_walk_finds_an_upward_import_in_any_form(tmp_path: Path, source: str, found: str) -> None:
    """Relative, inside a function, only for type checking: each is an import of a higher layer."""
    root = tmp_path / NAME
    for folder in ("contract", "plugin"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "plugin" / "hooks.py").write_text("x = 1\n")
    planted = root / "contract" / "planted.py"
    planted.write_text(source)
    imported = _imports(planted, root)
    assert found in imported
    assert _upward("rocketchat_contract.contract.planted", imported) == [found]
