"""No reach into Django's internals (issue 23): the engine once swapped a query's class, patched
the SQL compiler, used `.extra()`, wrote `_state.fields_cache`, and called the connection's
private `_prepare_cursor`; a Django upgrade can silently break any of them. This test greps the
project's code for those names and fails if one comes back. (tests/reference_engine, the old
engine kept as the differential test's reference for this change only, is the one exception.)"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "config",
    "accounts",
    "registry",
    "regulations",
    "accessions",
    "notifications",
    "api",
    "web",
)
FORBIDDEN = {
    "a class swap": r"\.__class__\s*=[^=]",
    "the ORM's .extra()": r"\.extra\(",
    "writes to a model's private state": r"_state\.fields_cache",
    "the connection's private cursor preparation": r"_prepare_cursor",
    "compiler patching": r"def get_compiler\b|compiler\.as_sql\s*=|compiler\.connection\s*=",
}


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if "reference_engine" not in path.parts and path != Path(__file__).resolve():
            yield path
    yield from sorted((ROOT / "bench").glob("*.py"))


def test_no_code_reaches_into_django_internals():
    found = []
    for path in _sources():
        text = path.read_text()
        for what, pattern in FORBIDDEN.items():
            for match in re.finditer(pattern, text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert found == []


def test_the_grep_finds_what_it_forbids(tmp_path):
    """The patterns catch the code the old engine had (so the test above can fail)."""
    old = (ROOT / "tests" / "reference_engine" / "check.py").read_text()
    caught = {what for what, pattern in FORBIDDEN.items() if re.search(pattern, old)}
    assert {"a class swap", "the ORM's .extra()", "writes to a model's private state"} <= caught
    assert "compiler patching" in caught
    assert re.search(
        FORBIDDEN["the connection's private cursor preparation"], "w._prepare_cursor(c)"
    )
