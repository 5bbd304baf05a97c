"""Issue 22, item 3: every citation a page shows is translated once in
seeds/citation_translations.csv (seeds/README.md, "citation_translations.csv"), and the loader
puts the translations on the seeded rows.

The rules, on the CSV files (no database): every seeded citation (`source`, `instrument_ref`,
`green_channel_source` of a file whose records show it) has a row with both languages; no row is
unused; a translation keeps every date and every address of the English as it is; a Chinese text
without Chinese characters, or a Russian one without Cyrillic letters, is allowed only for a
citation of names only, kept unchanged (`names_only`); `translated_by_registry` names exactly the
languages whose text differs from the English.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from accessions.seed_specs import SPECS
from accessions.seeding import CITATIONS_FILE, SEEDS_DIR, SeedError, seeds_load
from registry.localize import CITATION_FIELDS

CJK = re.compile(r"[\u3400-\u9fff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b")
# An address or a domain: kept as it is in every language ("a domain stays a domain").
ADDRESS = re.compile(r"\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:/[\w./?=-]*)?", re.IGNORECASE)
# Sites the citations name without their domain.
SITE_NAMES = {"scribd", "bezformata"}
WORD = re.compile(r"[^\s;,()'\"«»]+")


def names_only(text: str) -> bool:
    """True for a citation made of names only, which stays as it is in every language: each word
    an address, a date, a code without small letters (ISO, 3166-1), a capitalised name (Trend,
    Uzbekistan Daily) or a site named without its domain. English words of description ("repost
    by", "press conference") are small and make it a citation to translate."""
    for word in WORD.findall(text):
        if ADDRESS.fullmatch(word) or ISO_DATE.fullmatch(word) or word in SITE_NAMES:
            continue
        if not re.search(r"[a-z]", word) or word[0].isupper():
            continue
        return False
    return True


def _rows(directory: Path, name: str) -> list[tuple[int, dict[str, str]]]:
    with (directory / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return [(reader.line_num, row) for row in reader]


def citation_columns() -> dict[str, list[str]]:
    """The seed files whose records show a citation, and its columns there: those with a
    `<column>_zh` field on the file's model."""
    found: dict[str, list[str]] = {}
    for spec in SPECS:
        fields = {f.name for f in spec.model._meta.get_fields()}
        columns = [c for c in sorted(CITATION_FIELDS) if c in spec.header and f"{c}_zh" in fields]
        if columns:
            found.setdefault(spec.file, [])
            found[spec.file] += [c for c in columns if c not in found[spec.file]]
    return found


def seeded_citations(directory: Path = SEEDS_DIR) -> dict[str, str]:
    """Every distinct citation of the seeds, with the first file:line that gives it."""
    found: dict[str, str] = {}
    for name, columns in citation_columns().items():
        if not (directory / name).exists():
            continue
        for line, row in _rows(directory, name):
            for column in columns:
                if text := (row.get(column) or "").strip():
                    found.setdefault(text, f"{name}:{line} ({column})")
    return found


def citation_problems(directory: Path = SEEDS_DIR) -> list[str]:
    seeded = seeded_citations(directory)
    rows = _rows(directory, CITATIONS_FILE)
    problems = []
    translated = set()
    for line, row in rows:
        where = f"{CITATIONS_FILE}:{line}"
        text, zh, ru = (row[name].strip() for name in ("text", "text_zh", "text_ru"))
        translated.add(text)
        if text not in seeded:
            problems.append(f"{where}: no seeded row cites {text!r}")
        if not zh or not ru:
            problems.append(f"{where}: both languages are required")
            continue
        for language, value, script in (("zh", zh, CJK), ("ru", ru, CYRILLIC)):
            if not script.search(value) and not (value == text and names_only(text)):
                problems.append(f"{where}: the {language} text is not in {language}: {value!r}")
            kept = ISO_DATE.findall(text) + ADDRESS.findall(text)
            if missing := [piece for piece in kept if piece not in value]:
                problems.append(f"{where}: the {language} text loses {missing}")
        differs = {lang for lang, value in (("zh", zh), ("ru", ru)) if value != text}
        if set(row["translated_by_registry"].split()) != differs:
            problems.append(f"{where}: translated_by_registry should be {sorted(differs)}")
    for text, where in seeded.items():
        if text not in translated:
            problems.append(f"{where}: no translation of {text!r} in {CITATIONS_FILE}")
    return problems


def test_every_seeded_citation_is_translated_once_and_every_translation_is_used():
    assert citation_problems() == []
    # The files that show their citations: every file with a source but two (their records'
    # sources are shown nowhere), and the instruments and the ports' green channel.
    columns = citation_columns()
    assert "events.csv" not in columns and "regulation_products.csv" not in columns
    assert columns["market_access.csv"] == ["instrument_ref", "source"]
    assert columns["ports.csv"] == ["green_channel_source", "source"]
    assert len(seeded_citations()) >= 180


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("agrosektor.kz; lzswkj.com.cn", True),
        ("today.az (Trend) 2019-04-28", True),
        ("newslineuz.com (Uzbekistan Daily)", True),
        ("ISO 3166-1", True),
        ("healthdocbox.com; scribd", True),
        ('lzswkj.com.cn "公告〔2023〕66号"', True),
        ("Urumqi Customs press conference, 23 Jan 2024", False),
        ("customes.cn (customs-broker repost)", False),
        ("vdocument.in (EN transl.)", False),
        ("24.kg 2026-02-02 (draft implementing decree)", False),
    ],
)
def test_a_citation_of_names_only_is_told_from_one_to_translate(text, expected):
    assert names_only(text) is expected


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, target)
    return target


def _edit(path: Path, change) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = list(reader.fieldnames or []), list(reader)
    rows = change(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


URUMQI = "Urumqi Customs press conference, 23 Jan 2024"


def _set(text: str, **values: str):
    def change(rows):
        for row in rows:
            if row["text"] == text:
                row.update(values)
        return rows

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # A seeded citation without its row, and the row no seeded citation uses.
        (lambda rows: [r for r in rows if r["text"] != URUMQI], "no translation of"),
        (
            lambda rows: [*rows, {**rows[0], "text": "nobody cites this"}],
            "no seeded row cites",
        ),
        (_set(URUMQI, text_ru=""), "both languages are required"),
        # The English left in place of the Chinese, a date or an address lost.
        (_set(URUMQI, text_zh=URUMQI), "the zh text is not in zh"),
        (_set("en.trend.az 2025-05-22", text_ru="сайт Trend"), "the ru text loses"),
        (_set(URUMQI, translated_by_registry="zh"), "translated_by_registry should be"),
    ],
)
def test_the_citation_checks_catch_a_missing_or_bad_translation(tmp_path, change, expected):
    directory = _copy(tmp_path)
    _edit(directory / CITATIONS_FILE, change)
    assert any(expected in problem for problem in citation_problems(directory))


@pytest.mark.django_db
def test_the_loader_puts_the_translations_on_every_seeded_row(seeded):
    from django.apps import apps

    by_text = {
        row["text"]: (row["text_zh"], row["text_ru"]) for _, row in _rows(SEEDS_DIR, CITATIONS_FILE)
    }
    checked = 0
    for spec in SPECS:
        for column in citation_columns().get(spec.file, []):
            model = apps.get_model(spec.model._meta.label)
            for text, zh, ru in model.objects.exclude(**{column: ""}).values_list(
                column, f"{column}_zh", f"{column}_ru"
            ):
                assert (zh, ru) == by_text[text], (spec.file, column, text)
                checked += 1
    assert checked > 400


@pytest.mark.django_db
def test_a_bad_translation_row_is_reported_by_file_and_line(tmp_path):
    directory = _copy(tmp_path)
    _edit(
        directory / CITATIONS_FILE,
        lambda rows: [*rows, dict(rows[0])],  # the first row twice
    )
    with pytest.raises(SeedError) as raised:
        seeds_load(directory=directory, dry_run=True)
    errors = raised.value.report.errors
    assert any(
        e.startswith(f"{directory / CITATIONS_FILE}:") and "duplicate" in e for e in errors
    ), errors
