"""The layout holds: dependencies point one way (web -> api -> notifications -> accessions ->
regulations -> accounts -> registry), no import cycle, no facade __init__, each domain rule
written once, and no test leans on a private name."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The order of the apps: an app may import only apps of a lower rank. The pages (web) sit on top:
# a user's own API keys are managed there through the api app's services; api never imports web.
RANK = {
    "registry": 0,
    "accounts": 1,
    "regulations": 2,
    "accessions": 3,
    "notifications": 4,
    "api": 5,
    "web": 6,
}


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def _imports(path: Path, module: str) -> set[str]:
    """Every module this file imports, at any depth (function-level imports count too)."""
    found = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {name: path for app in RANK for name, path in _modules(app)}
    return {
        name: {target for target in _imports(path, name) if target in modules and target != name}
        for name, path in modules.items()
    }


def test_the_apps_of_the_layout_exist():
    for app in RANK:
        assert (ROOT / app / "apps.py").exists(), app


def test_no_import_runs_against_the_direction_of_the_layout():
    wrong = []
    for app in RANK:
        for module, path in _modules(app):
            for target in _imports(path, module):
                other = target.split(".")[0]
                if other in RANK and other != app and RANK[other] >= RANK[app]:
                    wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_there_is_no_import_cycle():
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert cycles == []


def test_packages_do_not_re_export():
    """No facade __init__: an app's __init__ holds a docstring at most (the wiring, config/, also
    starts the Celery app, as Celery's Django guide has it; it is not an app)."""
    for path in ROOT.glob("*/**/__init__.py"):
        if path.parts[len(ROOT.parts)] not in RANK or "migrations" in path.parts:
            continue
        body = [
            node
            for node in ast.parse(path.read_text()).body
            if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
        ]
        assert body == [], f"{path.relative_to(ROOT)} re-exports"


# Each domain rule has one home: a fingerprint of its code may appear there and nowhere else.
RULES = [
    ("the validity rule", r"def (in_force_q|covers)\b", {"registry/dates.py"}),
    ("adding months", r"def add_months\b", {"registry/dates.py"}),
    (
        "binding union membership",
        r"binding\"?\)?: True|binding=True|memberships__binding",
        {"registry/selectors.py"},
    ),
    ("a regulation in force", r"in_force_from__(lte|isnull)", {"regulations/selectors.py"}),
    (
        "which product an identifier names",
        r"name_(en|ru)__iexact|alias__iexact=(ident|name)",
        {"registry/selectors.py"},
    ),
    ("the active registration statuses", r"\"renewal_due\",\s*\"extended\"", set()),
    ("the history diff", r"before\.get\(name\) != value", {"registry/history.py"}),
    ("who may do what", r"\.is_superuser|groups\.filter\(", {"accounts/roles.py"}),
    ("the eligibility question's normal form", r"port\"?\]?\.strip\(\)\.lower\(\)", set()),
    # Issue 21: the temporal rules of access entries and registrations, and the HS prefix.
    (
        "the state of an access entry on a date",
        r"starts_on__(lte|lt|gt|gte)\b|def (state_on|grants_access)\b",
        {"accessions/validity.py"},
    ),
    ("a registration's end", r"Coalesce\(\s*\"extended_until\"", {"accessions/validity.py"}),
    ("an HS prefix matching a product", r"hs_code__startswith", {"registry/selectors.py"}),
    (
        "a status read for a date",
        r"status=AccessStatus\.IN_FORCE\)\.filter\(in_force_q|status__in=granted",
        set(),
    ),
]


@pytest.mark.parametrize(("rule", "pattern", "homes"), RULES, ids=[r[0] for r in RULES])
def test_each_rule_is_written_once(rule, pattern, homes):
    found = set()
    for app in RANK:
        for _module, path in _modules(app):
            if re.search(pattern, path.read_text()):
                found.add(str(path.relative_to(ROOT)))
    assert found <= homes, f"{rule} is also written in {sorted(found - homes)}"


def test_tests_use_no_private_names():
    offenders = []
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.split(".")[0] in RANK
            ):
                offenders += [
                    f"{path.relative_to(ROOT)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_")
                ]
    assert offenders == []
