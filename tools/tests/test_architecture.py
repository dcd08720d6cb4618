"""The package's shape: no import cycles, each third-party library in one module, the site
independent of the command layer, every problem code emitted by some check."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "opsledger"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node that runs: imports under `if TYPE_CHECKING:` exist for the type checker
    only and cannot form a cycle at run time."""
    nodes: list[ast.AST] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and \
                node.test.id == "TYPE_CHECKING":
            pending += node.orelse
            continue
        pending += ast.iter_child_nodes(node)
    return nodes


def _imports() -> dict[str, set[str]]:
    """Module -> every module it imports at run time, at any depth (lazy imports count)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        found: set[str] = set()
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[name] = found
    modules = set(graph)
    return {name: {m for m in targets if m in modules and m != name}
            for name, targets in graph.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target):], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycles() -> None:
    graph = _imports()
    assert graph.get("opsledger.cli"), "the walk found nothing"
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_site_and_domain_import_no_command_module() -> None:
    for name, targets in _imports().items():
        if name.startswith("opsledger.commands") or name == "opsledger.cli":
            continue
        commands = sorted(t for t in targets if t.startswith("opsledger.commands"))
        assert not commands, f"{name} imports the command layer: {commands}"


LIBRARIES = {"yaml": "opsledger.loader", "jsonschema": "opsledger.schema",
             "git": "opsledger.gitrepo", "rfc8785": "opsledger.digest",
             "ruamel": "opsledger.recordedit", "jinja2": "opsledger.site.render",
             "nh3": "opsledger.site.sanitize", "mkdocs": "opsledger.site.plugin",
             "fastjsonschema": "opsledger.schema", "cryptography": "opsledger.sshsig"}


def test_each_library_is_imported_in_one_module() -> None:
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            roots = [a.name.split(".")[0] for a in node.names] if isinstance(node, ast.Import) \
                else [node.module.split(".")[0]] if isinstance(node, ast.ImportFrom) and \
                node.module and node.level == 0 else []
            for root in roots:
                if root in LIBRARIES:
                    assert LIBRARIES[root] == name, f"{name} imports {root}; only " \
                                                    f"{LIBRARIES[root]} may"


def test_every_code_is_emitted_by_some_check() -> None:
    from opsledger.codes import CODES

    sources = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")
                        if p.name != "codes.py")
    emitted = set(re.findall(r"\"(OL\d{3})\"", sources))
    assert not set(CODES) - emitted, f"codes no check emits: {sorted(set(CODES) - emitted)}"
    assert not emitted - set(CODES), f"codes missing from codes.py: {sorted(emitted - set(CODES))}"
