"""Names listed in a sentence follow the reader's language: Chinese sets them apart with the
enumeration comma (、), as the checker's "covers 9 kinds: …" note must read on a Chinese page."""

import datetime as dt

import pytest
from django.utils import translation

from accessions.eligibility.check import check_eligibility
from registry.localize import names_list


def test_chinese_lists_take_the_enumeration_comma():
    assert names_list(["杏干", "葡萄干"], "zh-hans") == "杏干、葡萄干"
    assert names_list(["курага", "изюм"], "ru") == "курага, изюм"
    assert names_list(["prunes"], "en") == "prunes"


@pytest.mark.django_db
def test_the_covered_kinds_note_reads_as_chinese(seeded):
    with translation.override("zh-hans"):
        answer = check_eligibility(product="杏干", country="KG", on=dt.date(2025, 6, 1))
        note = answer.covered_kind.note
    assert "、" in note and ", " not in note, note
