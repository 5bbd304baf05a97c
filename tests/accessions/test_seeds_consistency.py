"""The seeds keep the rules of seeds/README.md (issue 14): every sourced row has a source, a URL or
a bibliographic reference, dates with their precision and a confidence the README allows; no
condition from a later instrument sits undated on a row; no access row lacks an instrument.

These tests read the CSV files themselves, so they need no database and catch a bad row before
it is loaded.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from accessions.seed_rules import rests_on_a_copy, source_url_problem
from accessions.seeding import SEEDS_DIR

CONFIDENCES = {"high", "medium", "low"}
PRECISIONS = {"exact", "repost", "month", "year", "inferred"}
# Document-sharing sites: a citation that rests on one alone is at most low, unless the notes
# name an official or news page beside it.
WEAK_MIRRORS = ("docslib.org", "dokumen.tips", "vdocument.in", "fdocuments.net", "scribd.com",
                "777doc.com", "healthdocbox.com", "docplayer.ru", "001doc.com")  # fmt: skip
ACCESS_FILES = {"market_access.csv", "access_conditions.csv", "accessions.csv",
                "accession_stages.csv"}  # fmt: skip
NO_URL = re.compile(r"\bno url\b|bibliographic reference", re.IGNORECASE)
INSTRUMENT_NUMBER = re.compile(r"\b((?:19|20)\d\d) No\.\s?\d+")


def _rows(name: str, directory: Path = SEEDS_DIR) -> list[tuple[int, dict[str, str]]]:
    with (directory / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return [(reader.line_num, row) for row in reader]


def _sourced_files(directory: Path = SEEDS_DIR) -> list[str]:
    names = []
    for path in sorted(directory.glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        if "source_url" in header:
            names.append(path.name)
    return names


def source_problems(directory: Path = SEEDS_DIR) -> list[str]:
    problems = []
    for name in _sourced_files(directory):
        for line, row in _rows(name, directory):
            where = f"{name}:{line}"
            if not row["source"].strip():
                problems.append(f"{where}: no source")
            if row.get("confidence") not in CONFIDENCES:
                problems.append(f"{where}: confidence {row.get('confidence')!r}")
            url = row["source_url"].strip()
            if url and not url.startswith(("https://", "http://")):
                problems.append(f"{where}: source_url is not a URL")
            if not url and not NO_URL.search(row.get("notes", "")):
                problems.append(f"{where}: neither a source URL nor a bibliographic reference")
            access_file = name in ACCESS_FILES
            if access_file and any(h in url for h in WEAK_MIRRORS) and row["confidence"] != "low":
                problems.append(f"{where}: a weak mirror first, yet confidence {row['confidence']}")
            for column, value in row.items():
                if column.endswith("_precision"):
                    base = column.removesuffix("_precision")
                    date_column = next(
                        (c for c in (base, f"{base}_on", f"{base}_since") if c in row), None
                    )
                    date = row.get(date_column or "", "")
                    if date_column and (value == "") != (date == ""):
                        problems.append(f"{where}: {column} {value!r} does not match its date")
                    if value and value not in PRECISIONS:
                        problems.append(f"{where}: {column} {value!r}")
    return problems


def confidence_problems(directory: Path = SEEDS_DIR) -> list[str]:
    """Confidence within the README: an inference (a start inferred from a first import or trade,
    an event link the registry reads into the sources) is at most medium; one news item with the
    month only and no number is at most medium; a weak mirror alone is low."""
    problems = []
    for line, row in _rows("market_access.csv", directory):
        where = f"market_access.csv:{line}"
        inferred_start = row["valid_from_precision"] == "inferred"
        if inferred_start and row["confidence"] == "high":
            problems.append(f"{where}: in force is inferred, yet confidence high")
        thin = row["valid_from_precision"] == "month" and not row["instrument_ref"]
        if thin and row["confidence"] == "high":
            problems.append(f"{where}: month only and no number, yet confidence high")
        if "weak mirror" in row["source"] and row["confidence"] != "low":
            problems.append(f"{where}: a weak mirror, yet confidence {row['confidence']}")
    for name in ("accessions.csv", "accession_stages.csv"):
        for line, row in _rows(name, directory):
            where = f"{name}:{line}"
            if row.get("event_inferred") == "true" and row["confidence"] == "high":
                problems.append(f"{where}: the event link is inferred, yet confidence high")
            if row.get("event") and "registry's reading" in row["notes"]:
                if row.get("event_inferred") != "true":
                    problems.append(f"{where}: the event link is the registry's reading")
                if row["confidence"] == "high":
                    problems.append(f"{where}: the event link is inferred, yet confidence high")
            if "weak mirror" in (row["source"] + row["notes"]) and row["confidence"] != "low":
                problems.append(f"{where}: a weak mirror, yet confidence {row['confidence']}")
    return problems


def access_problems(directory: Path = SEEDS_DIR) -> list[str]:
    """Registered establishments: stated yes/no with a basis, or 'not_stated'; a row in force
    has an instrument or an explicit 'reported'; no condition from a later instrument is undated on
    the row (it belongs in access_conditions.csv with its own date)."""
    problems = []
    conditions = {
        (row["country"], row["product"]) for _, row in _rows("access_conditions.csv", directory)
    }
    for line, row in _rows("market_access.csv", directory):
        where = f"market_access.csv:{line}"
        required = row["requires_registered_establishments"]
        basis = row.get("registered_establishments_basis", "")
        if required not in {"true", "false", "not_stated"}:
            problems.append(f"{where}: registered establishments {required!r}")
        elif required == "not_stated" and basis:
            problems.append(f"{where}: not stated, yet a basis {basis!r}")
        elif required != "not_stated" and basis not in {"instrument", "regulation", "inference"}:
            problems.append(f"{where}: registered establishments {required} without a basis")
        if "no establishment-registration requirement" in row["notes"] and required == "false":
            problems.append(f"{where}: the sources are silent, so 'not_stated', not 'false'")
        if row["status"] == "in_force":
            kind = row["instrument_kind"]
            if kind not in {"announcement", "joint_announcement", "reported"}:
                problems.append(f"{where}: in force without an instrument ({kind!r})")
            named = row["instrument_ref"] or row["instrument_date"] or "not visible" in row["notes"]
            if kind != "reported" and not named:
                problems.append(f"{where}: an announcement with no number, date or explanation")
        start = row["valid_from"] or row["instrument_date"]
        own = row["instrument_ref"]
        cited = " ".join(
            row[c] for c in ("source", "conditions", "treatment", "pest_free_areas", "notes")
        )
        for match in INSTRUMENT_NUMBER.finditer(cited):
            year, number = int(match.group(1)), match.group(0)
            later = not start or year > int(start[:4])
            if later and number not in own and (row["country"], row["product"]) not in conditions:
                problems.append(f"{where}: {number} is later than the row's start but undated")
            on_row = row["pest_free_areas"] or row["conditions"]
            if later and number not in own and on_row and number in row["source"]:
                problems.append(f"{where}: a condition of {number} sits undated on the row")
    for line, row in _rows("access_conditions.csv", directory):
        where = f"access_conditions.csv:{line}"
        if not row["valid_from"] or not row["instrument_ref"]:
            problems.append(f"{where}: a dated condition needs its start and its instrument")
    return problems


# What a public page must never show (issue 11): research file names, section marks, the research
# compilation's name, the seed files' own wording and column names. The internal note (`notes`)
# may hold all of them; every other column is shown somewhere.
RESEARCH_REFERENCE = re.compile(
    r"\.(?:csv|md|txt)\b|§|domain-facts|source-article|as named in the facts|\bthe facts\b"
    r"|\b(?:valid_from|valid_until|green_channel_since|starts_on|ends_on|issued_on|in_force_from"
    r"|instrument_date|title_ru|title_zh)\b",
    re.IGNORECASE,
)
INTERNAL_COLUMNS = {"notes", "file", "key", "reason"}


def public_text_problems(directory: Path = SEEDS_DIR) -> list[str]:
    """No research reference in a column a page shows (everything but the internal note)."""
    problems = []
    for path in sorted(directory.glob("*.csv")):
        if path.name == "removed.csv":
            continue
        for line, row in _rows(path.name, directory):
            for column, value in row.items():
                if column in INTERNAL_COLUMNS or not value:
                    continue
                match = RESEARCH_REFERENCE.search(value)
                if match:
                    problems.append(f"{path.name}:{line}: {column} cites {match.group(0)!r}")
    return problems


@pytest.mark.parametrize(
    "check", [source_problems, confidence_problems, access_problems, public_text_problems]
)
def test_the_seeds_keep_the_readme_rules(check):
    problems = check()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("check", "item"),
    [
        (access_problems, "KZ alfalfa / bran 'false' (item 1)"),
        (access_problems, "undated FMD zones (item 2)"),
        (confidence_problems, "UZ poultry high, oleaster medium, Summit link high (item 3)"),
        (source_problems, "rows without a URL (item 5)"),
        (public_text_problems, "research references on public pages (issue 11)"),
    ],
)
def test_the_checks_would_have_caught_the_audit_findings(check, item):
    """Main's seeds before issue 14 (tests/accessions/seeds_main) fail every check."""
    assert check(Path(__file__).parent / "seeds_main"), item


# --- Issue 22: links, confidence by source kind, instruments, research wording ----------------

ROW_KEYS = ("slug", "code", "key", "iso2", "port", "product", "country")


def url_problems(directory: Path = SEEDS_DIR) -> list[str]:
    """Every source URL well-formed and never a known spam-injected mirror."""
    problems = []
    for name in _sourced_files(directory):
        for line, row in _rows(name, directory):
            if problem := source_url_problem(row["source_url"]):
                problems.append(f"{name}:{line}: {problem}")
    return problems


def source_kind_problems(directory: Path = SEEDS_DIR) -> list[str]:
    """A citation resting on a repost or a mirror (its own words, its date's precision, or a
    document-sharing address) is never high."""
    problems = []
    for name in _sourced_files(directory):
        for line, row in _rows(name, directory):
            if row.get("confidence") != "high":
                continue
            precisions = [v for k, v in row.items() if k.endswith("_precision")]
            copy = rests_on_a_copy(
                source=row["source"], precision="repost" * ("repost" in precisions)
            )
            if copy or any(h in row["source_url"] for h in WEAK_MIRRORS):
                problems.append(f"{name}:{line}: rests on a repost or mirror, yet confidence high")
    return problems


# An in-force entry names its instrument, or its notes say why none is named.
WHY_NO_NUMBER = re.compile(
    r"number (?:not seen|not found|not visible|unknown|is not known)"
    r"|no (?:announcement )?number seen|not found",
    re.IGNORECASE,
)


def instrument_problems(directory: Path = SEEDS_DIR) -> list[str]:
    problems = []
    for line, row in _rows("market_access.csv", directory):
        named = row["instrument_ref"] or WHY_NO_NUMBER.search(row["notes"])
        if row["status"] == "in_force" and not named:
            problems.append(f"market_access.csv:{line}: in force, no instrument and no reason")
    for line, row in _rows("regulations.csv", directory):
        named = row["code"] or row["adopted_by"] or WHY_NO_NUMBER.search(row["notes"])
        if row["status"] == "in_force" and not named:
            problems.append(f"regulations.csv:{line}: in force, no number or adopting act")
    return problems


RESEARCH_WORDING = re.compile(
    r"registry's research|research compilation|research reference", re.IGNORECASE
)


def research_wording_problems(directory: Path = SEEDS_DIR) -> list[str]:
    """No public column (every column but the internal note) says 'the registry's research'."""
    problems = []
    for path in sorted(directory.glob("*.csv")):
        for line, row in _rows(path.name, directory):
            for column, value in row.items():
                if column not in INTERNAL_COLUMNS and value and RESEARCH_WORDING.search(value):
                    problems.append(f"{path.name}:{line}: {column} holds research wording")
    return problems


# Where a URL is required: every access entry, port and union membership (issue 22, item 2).
# The exception is a fact whose only copy is a spam-injected mirror or that has no online copy at
# all (the Urumqi Customs press conference): its notes say so and it is at most medium.
URL_REQUIRED = ("market_access.csv", "ports.csv", "union_memberships.csv")
NO_CLEAN_COPY = re.compile(r"only copy found is on a spam-injected mirror|no url", re.IGNORECASE)


def link_coverage_problems(directory: Path = SEEDS_DIR) -> list[str]:
    problems = []
    for name in URL_REQUIRED:
        for line, row in _rows(name, directory):
            explained = NO_CLEAN_COPY.search(row["notes"]) and row["confidence"] != "high"
            if not row["source_url"].strip() and not explained:
                problems.append(f"{name}:{line}: no URL and no stated reason")
    return problems


def regulation_link_share(directory: Path = SEEDS_DIR) -> float:
    regulations = _rows("regulations.csv", directory)
    return sum(1 for _, row in regulations if row["source_url"].strip()) / len(regulations)


def test_at_least_80_percent_of_regulations_have_a_url():
    assert regulation_link_share() >= 0.8


def note_translation_problems(directory: Path = SEEDS_DIR) -> list[str]:
    """Every public note is also in Chinese and Russian, each marked as the registry's translation
    (`translated_by_registry`), as the access rows' are (issue 22, item 3): no seed cites an
    official translation of a note."""
    problems = []
    for path in sorted(directory.glob("*.csv")):
        for line, row in _rows(path.name, directory):
            if not (row.get("public_note") or "").strip():
                continue
            marked = (row.get("translated_by_registry") or "").split()
            for language in ("zh", "ru"):
                if not (row.get(f"public_note_{language}") or "").strip():
                    problems.append(f"{path.name}:{line}: the public note has no {language} text")
                elif language not in marked:
                    problems.append(f"{path.name}:{line}: {language} note not marked as ours")
    return problems


ISSUE_22_CHECKS = [
    url_problems,
    source_kind_problems,
    instrument_problems,
    research_wording_problems,
    link_coverage_problems,
    note_translation_problems,
]


@pytest.mark.parametrize("check", ISSUE_22_CHECKS)
def test_the_seeds_keep_the_issue_22_rules(check):
    problems = check()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "check", [source_kind_problems, instrument_problems, link_coverage_problems]
)
def test_the_issue_22_checks_catch_the_audit_findings(check):
    """Main's seeds before issue 14 (tests/accessions/seeds_main) fail these new checks."""
    assert check(Path(__file__).parent / "seeds_main")


@pytest.mark.parametrize(
    ("check", "name", "needle", "replacement"),
    [
        (url_problems, "ports.csv", "http://paper.ce.cn/", "http://www.whdesign.cn/"),
        (
            research_wording_problems,
            "ports.csv",
            "Xinhua photo report",
            "Registry research compilation",
        ),
        (
            note_translation_problems,
            "ports.csv",
            ",指定肉类进口口岸。有报道称曾试行绿色通道，但日期不详。,",
            ",,",
        ),
        (note_translation_problems, "accessions.csv", ",zh ru\n", ",zh\n"),
    ],
)
def test_the_issue_22_checks_catch_a_spam_link_and_research_wording(
    tmp_path, check, name, needle, replacement
):
    directory = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, directory)
    assert not check(directory)
    text = (directory / name).read_text(encoding="utf-8")
    assert needle in text
    (directory / name).write_text(text.replace(needle, replacement, 1), encoding="utf-8")
    assert check(directory)


@pytest.mark.parametrize(
    ("url", "bad"),
    [
        ("https://kun.uz/en/news/2020/12/11/x", False),
        ("http://m.cctv1204.com/news/show-215590.html", True),
        ("http://www.whdesign.cn/m/Show/?Cid=1", True),
        ("ftp://example.org/x", True),
        ("https://example org/x", True),
        ("not a url", True),
        ("", False),
    ],
)
def test_source_url_problem(url, bad):
    assert bool(source_url_problem(url)) is bad
