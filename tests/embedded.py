"""Running test files again in the embedded mode (SQLite), in a subprocess: the checks whose
reads differ between the databases (the resolver, search, the engine's ORM path, exports).

The subprocess's tables come straight from the models (pytest-django's `--no-migrations`):
these checks are about what the code reads, and building the schema through all the
migrations costs ~30 s of CPU per subprocess. The embedded mode's migrations themselves run in
tests/test_embedded_mode.py (`make run`'s commands on a fresh SQLite file), and
`makemigrations --check` (make test) keeps the migrations equal to the models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pytest_on_sqlite(
    files: list[str], database: Path, flag: str, *, select: str = ""
) -> subprocess.CompletedProcess:
    """`pytest` over `files` (only the tests `select` names, as `-k` reads it, when given) with
    DATABASE_URL pointing at a SQLite file and the environment variable `flag` set, so that the
    test asking for the run skips itself there."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DATABASE_URL=f"sqlite:///{database}", **{flag: "1"})
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-migrations"]
    if select:
        command += ["-k", select]
    return subprocess.run(  # noqa: S603 (this interpreter, these files)
        [*command, *files],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
