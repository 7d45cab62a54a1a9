"""Imports only point down (docs/architecture.md, "Floors"): core/ and analytics/ import no
domain; then auth/; then the writers; then the readers; then the entry points. This walks
every import in the package, including imports inside functions, and fails on one that
points up, on a package that has no floor yet, and on a cycle between modules."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "glucolens"

FLOORS = {
    "core": 1,
    "analytics": 1,
    "demo_data": 1,  # the pure demo-data generator (numpy/pandas only)
    "auth": 2,
    "readings": 3,
    "lifestyle": 3,
    "records": 3,
    "sources": 3,
    "integrations": 3,  # importers (integrations/importers) and device sync
    "dashboard": 4,
    "insights": 4,
    "demo": 4,
    "alerts": 4,
    "reports": 4,
    "exports": 4,
    "experiments": 4,
    "main": 5,
    "cli": 5,
    "worker": 5,
    "subscribers": 5,
    "models_registry": 5,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _domain(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.startswith("glucolens"):
                    targets.add(node.module)
                    # "from glucolens.core import cache" names modules too
                    targets.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name.startswith("glucolens"))
        graph[_module_name(path)] = targets
    known = set(graph)
    return {m: {t for t in ts if t in known} for m, ts in graph.items()}


def test_every_package_has_a_floor():
    domains = {_domain(m) for m in _imports()} - {None}
    assert domains <= set(FLOORS), f"give these a floor: {sorted(domains - set(FLOORS))}"


def test_no_import_points_up():
    upward = [
        f"{module} -> {target}"
        for module, targets in _imports().items()
        for target in targets
        if (a := _domain(module)) in FLOORS
        and (b := _domain(target)) in FLOORS
        and a != b
        and FLOORS[b] > FLOORS[a]
    ]
    assert not upward, "imports pointing up a floor:\n" + "\n".join(sorted(upward))


def test_no_import_cycles():
    graph = _imports()
    cycles: list[str] = []
    state: dict[str, int] = {}  # 1: on the stack, 2: done

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)
