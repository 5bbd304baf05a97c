"""The design notes the code and the README cite are in the repository (docs/design.md), and a
section a citation names is a heading there."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_DIRS = ["config", "accounts", "registry", "regulations", "accessions", "notifications", "api"]
SOURCES = ["web", "tests", "templates", "bench", *APP_DIRS]
# A cited document: a path ending in .md, e.g. docs/design.md, seeds/README.md, DESIGN.md.
CITED_DOCUMENT = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[\w-]+\.md)\b")
# A cited section: docs/design.md, "Section" (or docs/design.md "Section", or ("Section")).
CITED_SECTION = re.compile(r'docs/design\.md,?\s+\(?"([^"]+)"')


def _files():
    yield ROOT / "README.md"
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".html", ".md"} and "migrations" not in path.parts:
                yield path


def _text(path: Path) -> str:
    # A citation may wrap onto the next line of a comment or docstring.
    return re.sub(r"\s*\n\s*#?\s*", " ", path.read_text())


def test_every_cited_document_is_in_the_repository():
    missing = []
    for path in _files():
        if path == Path(__file__):
            continue
        for cited in CITED_DOCUMENT.findall(_text(path)):
            if not ((ROOT / cited).exists() or (path.parent / cited).exists()):
                missing.append(f"{path.relative_to(ROOT)} cites {cited}")
    assert missing == []


def test_every_cited_section_of_the_design_notes_is_a_heading_there():
    headings = set(re.findall(r"^#+ (.+)$", (ROOT / "docs" / "design.md").read_text(), re.M))
    cited = {
        (str(path.relative_to(ROOT)), section)
        for path in _files()
        if path != Path(__file__)
        for section in CITED_SECTION.findall(_text(path))
    }
    assert cited, "the code cites the design notes"
    assert {(path, section) for path, section in cited if section not in headings} == set()
