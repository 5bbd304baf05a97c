"""The layout holds where an import graph cannot see it.

Which app may import which is declared once, as import-linter contracts in pyproject.toml
(`make lint` runs them: layers web -> api -> notifications -> accessions -> regulations ->
accounts -> registry under the wiring in config, no import cycle between the modules of a
package, at any depth and through indirect chains). These tests check what those contracts cannot:
that they name every app, that no app reaches a higher one by a name in a string (importlib,
`import_string`, `apps.get_model`, a model reference "app.Model") or by an ORM lookup through a
relation that a higher app declares, that no package re-exports, and that no module runs past
500 lines nor any function past 80. That each domain rule has one home is proved by behaviour,
not text: each SQL form agrees with its Python twin on generated data
(tests/registry/test_rules.py, tests/regulations/test_rules.py, tests/accessions/test_valid_time.py,
tests/accessions/test_one_home_rules.py).
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
LAYERS = next(c for c in CONTRACTS["contracts"] if c["type"] == "layers")["layers"]
# The apps, lowest first (the wiring, config, is above them all and not an app).
APPS = [layer for layer in reversed(LAYERS) if layer != "config"]
RANK = {app: rank for rank, app in enumerate(APPS)}


def _modules(app: str) -> Iterator[tuple[str, Path]]:
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def _app_of(dotted: str) -> str | None:
    """The project app a dotted module path or app label names, None for anything else."""
    head = dotted.split(".")[0]
    if head in RANK:
        return head
    try:
        module = apps.get_app_config(head).module
    except LookupError:
        return None
    return _app_of(module.__name__) if module is not None and module.__name__ != head else None


def test_the_contracts_place_every_app_and_the_wiring_on_top():
    installed = {name.split(".")[0] for name in settings.INSTALLED_APPS}
    local = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert local <= installed
    assert set(APPS) == local, "every app has its place in the layers contract"
    assert LAYERS[0] == "config"
    assert set(CONTRACTS["root_packages"]) == {"config", *APPS}


# --- Names in strings ---------------------------------------------------------------------------

IMPORTING_CALLS = {"import_module", "import_string", "__import__", "get_model", "lazy_model"}
RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _named_in_strings(path: Path) -> Iterator[tuple[int, str]]:
    """Modules and models a file names in strings where they are imported or related to: an
    importlib/`import_string` path, `apps.get_model("app", "Model")` or `get_model("app.Model")`,
    and a relation to "app.Model"."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        callee = _callee(node)
        if callee not in IMPORTING_CALLS | RELATION_FIELDS:
            continue
        values = [*node.args, *(kw.value for kw in node.keywords if kw.arg in ("to", "app_label"))]
        for value in values[:1] if callee in RELATION_FIELDS else values[:2]:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                yield node.lineno, value.value
                break


def test_no_app_names_a_higher_app_in_a_string():
    """What import-linter cannot see: a module imported by name, a model fetched by its label."""
    wrong = []
    for app in APPS:
        for module, path in _modules(app):
            for line, name in _named_in_strings(path):
                other = _app_of(name)
                if other is not None and RANK[other] > RANK[app]:
                    wrong.append(f"{module}:{line} names {name!r}")
    assert wrong == []


def test_the_string_check_sees_a_model_fetched_by_label(tmp_path):
    """The check above can fail: a registry module fetching an accessions model by its label."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from django.apps import apps\n"
        "def count():\n"
        "    return apps.get_model('accessions', 'MarketAccess').objects.count()\n"
        "def loader():\n"
        "    from importlib import import_module\n"
        "    return import_module('notifications.services')\n"
    )
    found = [name for _line, name in sorted(_named_in_strings(probe))]
    assert found == ["accessions", "notifications.services"]
    assert [RANK[_app_of(name) or ""] > RANK["registry"] for name in found] == [True, True]


# --- ORM lookups through another app's relations ------------------------------------------------


def _project_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if _app_of(m.__module__) in RANK]


def _rank_of(model: type[models.Model]) -> int:
    app = _app_of(model.__module__)
    return RANK[app] if app is not None else -1  # Django's and third parties' models: below all


def _reverse_names(field: models.Field) -> set[str]:
    """The names an ORM lookup uses to follow a relation backwards (its query name and, for
    prefetch_related, its accessor)."""
    names = {field.related_query_name()}  # type: ignore[attr-defined]
    accessor = field.remote_field.get_accessor_name()  # type: ignore[union-attr]
    if accessor:
        names.add(accessor)
    return names


def _lookup_names() -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """For each rank: the relation names a module of that rank may follow (fields of models at
    or below it, reverse relations declared at or below it), and the names that follow a relation
    backwards into a higher app (declared by a model above, pointing at a model at or below)."""
    own: dict[int, set[str]] = {rank: set() for rank in RANK.values()}
    upward: dict[int, set[str]] = {rank: set() for rank in RANK.values()}
    for model in _project_models():
        for field in model._meta.get_fields(include_hidden=True):
            if field.auto_created and not field.concrete:
                continue  # reverse relations: recorded from the side that declares them
            for rank in RANK.values():
                if _rank_of(model) <= rank:
                    own[rank].add(field.name)
            if not field.is_relation or field.related_model in (None, "self"):
                continue
            target = field.related_model
            for rank in RANK.values():
                if _rank_of(target) <= rank < _rank_of(model):  # type: ignore[arg-type]
                    upward[rank] |= _reverse_names(field)  # type: ignore[arg-type]
                elif max(_rank_of(model), _rank_of(target)) <= rank:  # type: ignore[arg-type]
                    own[rank] |= _reverse_names(field)  # type: ignore[arg-type]
    return own, upward


def _lookups(path: Path) -> Iterator[tuple[int, str]]:
    """Every ORM lookup path a file may write: keyword names of calls (`filter(a__b=…)`) and
    strings passed to calls (`values("a__b")`, `F("a")`, `field_name="a__b"`)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg:
                yield node.lineno, keyword.arg
        for value in [*node.args, *(kw.value for kw in node.keywords)]:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                yield node.lineno, value.value.lstrip("-")


def _wrong_lookups(app: str, paths: list[tuple[str, Path]]) -> list[str]:
    own, upward = _lookup_names()
    rank = RANK[app]
    foreign = upward[rank] - own[rank]
    wrong = []
    for module, path in paths:
        for line, lookup in _lookups(path):
            if lookup.isidentifier() and any(part in foreign for part in lookup.split("__")):
                wrong.append(f"{module}:{line} follows {lookup!r}")
    return sorted(wrong)


@pytest.mark.parametrize("app", APPS)
def test_no_orm_lookup_follows_a_relation_declared_by_a_higher_app(app):
    """`Product.objects.filter(accesses__country=…)` in registry would reach accessions through
    a relation accessions declares: the catalogue would depend on the access list without an
    import. Such a lookup belongs to the app that declares the relation."""
    assert _wrong_lookups(app, list(_modules(app))) == []


def test_the_lookup_check_sees_a_reverse_path_into_a_higher_app(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def products(country):\n"
        "    return Product.objects.filter(accesses__country=country).values('name_en')\n"
        "COUNTRY = CountryChoiceFilter(field_name='accesses__country', lookup_expr='exact')\n"
    )
    wrong = _wrong_lookups("registry", [("probe", probe)])
    assert wrong == [
        "probe:2 follows 'accesses__country'",
        "probe:3 follows 'accesses__country'",
    ]
    assert _wrong_lookups("accessions", [("probe", probe)]) == []


@pytest.mark.parametrize("app", APPS)
def test_every_filter_path_stays_within_the_apps_its_module_may_know(app):
    """The FilterSets resolved through the models themselves: each model a filter's field path
    reaches belongs to the FilterSet's app or one below it."""
    import django_filters

    wrong = []
    for module, _path in _modules(app):
        if not module.endswith("filters"):
            continue
        loaded = __import__(module, fromlist=["*"])
        for name, filterset in vars(loaded).items():
            if not (
                isinstance(filterset, type)
                and issubclass(filterset, django_filters.FilterSet)
                and filterset.__module__ == module
                and filterset._meta.model is not None
            ):
                continue
            for filter_name, declared in filterset.base_filters.items():
                model = filterset._meta.model
                for part in (declared.field_name or "").split("__"):
                    try:
                        field = model._meta.get_field(part)
                    except Exception:  # noqa: BLE001 - a lookup or transform, not a field
                        break
                    if not field.is_relation or field.related_model is None:
                        break
                    model = field.related_model
                    if _rank_of(model) > RANK[app]:
                        wrong.append(f"{module}.{name}.{filter_name}: {declared.field_name}")
    assert wrong == []


# --- Packages -----------------------------------------------------------------------------------


def _models_package_import(path: Path, node: ast.stmt) -> bool:
    """The one re-export allowed: an app's models package importing from its own concept modules
    (Django finds an app's models in `<app>.models`; netbox-community/netbox dcim/models/), and
    its `__all__`."""
    package = ".".join(path.parent.relative_to(ROOT).parts)
    if path.parent.name != "models" or package.count(".") != 1:
        return False
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").startswith(f"{package}.") and node.level == 0
    return isinstance(node, ast.Assign) and [
        getattr(target, "id", None) for target in node.targets
    ] == ["__all__"]


def test_packages_do_not_re_export():
    """No facade __init__: an app's __init__ holds a docstring at most (the wiring, config/, also
    starts the Celery app, as Celery's Django guide has it; it is not an app). The one exception
    is an app's models package, which imports its models from its concept modules."""
    for path in ROOT.glob("*/**/__init__.py"):
        if path.parts[len(ROOT.parts)] not in RANK or "migrations" in path.parts:
            continue
        body = [
            node
            for node in ast.parse(path.read_text()).body
            if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
            and not _models_package_import(path, node)
        ]
        assert body == [], f"{path.relative_to(ROOT)} re-exports"


def test_the_re_export_check_allows_only_a_models_package_its_own_modules():
    def allowed(path: Path, source: str) -> list[bool]:
        return [_models_package_import(path, node) for node in ast.parse(source).body]

    models_init = ROOT / "accessions" / "models" / "__init__.py"
    own = "from accessions.models.access import A\n__all__ = ['A']\n"
    foreign = "from registry.models import A\nfrom accessions import b\nC = 1\n"
    assert allowed(models_init, own) == [True, True]
    assert allowed(models_init, foreign) == [False, False, False]
    services_init = ROOT / "accessions" / "services" / "__init__.py"
    assert allowed(services_init, "from accessions.services.proposals import p") == [False]


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


# --- Size ---------------------------------------------------------------------------------------

# The house rule (issue 26): a module becomes a package of concept modules past 500 lines, and no
# function or method runs past 80 lines; past either, split along the concepts inside.
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _project_files() -> Iterator[Path]:
    """Every module of the apps and of the wiring (config), migrations and tests left out."""
    for package in ["config", *APPS]:
        for _module, path in _modules(package):
            if "tests" not in path.relative_to(ROOT).parts:
                yield path


def _module_too_long(source: str, name: str) -> list[str]:
    lines = len(source.splitlines())
    return [f"{name}: {lines} lines"] if lines > MAX_MODULE_LINES else []


def _functions_too_long(source: str, name: str) -> list[str]:
    """Each function or method over MAX_FUNCTION_LINES, from its `def` line to its last line
    (decorators not counted), named by its place in the module (Class.method, outer.inner)."""
    found: list[str] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                qualname = f"{prefix}{child.name}"
                length = (child.end_lineno or child.lineno) - child.lineno + 1
                if not isinstance(child, ast.ClassDef) and length > MAX_FUNCTION_LINES:
                    found.append(f"{name}:{child.lineno} {qualname}: {length} lines")
                visit(child, f"{qualname}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source, name), "")
    return found


def test_no_module_is_over_500_lines():
    too_long = [
        line
        for path in _project_files()
        for line in _module_too_long(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert too_long == [], "split these by concept (a module becomes a package past 500 lines)"


def test_no_function_is_over_80_lines():
    too_long = [
        line
        for path in _project_files()
        for line in _functions_too_long(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert too_long == [], "split these into named steps (no function past 80 lines)"


def test_the_size_checks_see_a_long_module_function_and_method():
    """The checks above can fail: an 81-line function, an 81-line method and a nested function
    are named (an 80-line one is not), and so is a module of 501 lines."""

    def body(lines: int, indent: str) -> str:  # with its `def` line, a function of `lines` lines
        return "".join(f"{indent}x{n} = {n}\n" for n in range(lines - 1))

    source = "".join(
        [
            "def fits():\n" + body(80, "    "),  # lines 1-80
            "def too_long():\n" + body(81, "    "),  # 81-161
            "class C:\n    @staticmethod\n",  # 162-163
            "    def method():\n" + body(81, "        "),  # 164-244
            "def outer():\n",  # 245-327
            "    def inner():\n" + body(81, "        "),  # 246-326
            "    return inner\n",
        ]
    )
    assert _functions_too_long(source, "probe.py") == [
        "probe.py:81 too_long: 81 lines",
        "probe.py:164 C.method: 81 lines",
        "probe.py:245 outer: 83 lines",
        "probe.py:246 outer.inner: 81 lines",
    ]
    assert _module_too_long(source, "probe.py") == []
    assert _module_too_long("x = 1\n" * 501, "probe.py") == ["probe.py: 501 lines"]
    assert _module_too_long("x = 1\n" * 500, "probe.py") == []
