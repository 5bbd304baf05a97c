"""A batch reads the active language and its words once (registry.localize.language_held): the
words are those of the language active when the hold began, each message translated as Django
translates it, and nothing is kept past the hold."""

from django.utils import translation
from django.utils.translation import gettext as django_gettext

from registry.localize import choice_label, content_language, gettext, language_held
from registry.models import SiteKind

MESSAGE = "Not recorded in the registry."


def test_held_words_are_djangos_in_the_language_active_when_the_hold_began():
    with translation.override("ru"):
        expected = django_gettext(MESSAGE)
        with language_held():
            assert gettext(MESSAGE) == expected != MESSAGE
            assert gettext(MESSAGE) == expected  # the second time from the batch's own words
            assert content_language() == "ru"
            assert content_language("zh-hans") == "zh"  # a language asked for still wins


def test_nothing_is_held_past_the_hold():
    with translation.override("ru"), language_held():
        assert gettext(MESSAGE) != MESSAGE
    with translation.override("en"):
        assert gettext(MESSAGE) == MESSAGE
        assert content_language() == "en"


def test_a_nested_hold_keeps_the_outer_language():
    with translation.override("ru"), language_held():
        with translation.override("zh-hans"), language_held():
            assert content_language() == "ru"
        assert content_language() == "ru"


def test_a_choice_label_is_djangos_label_in_the_held_language():
    with translation.override("ru"):
        expected = str(SiteKind.MEAT.label)
        with language_held():
            assert choice_label(SiteKind, "meat") == expected != "meat"
            assert choice_label(SiteKind, "meat") == expected
            assert choice_label(SiteKind, "no-such-kind", "no-such-kind") == "no-such-kind"
    with translation.override("en"):
        assert choice_label(SiteKind, "meat") == "meat"
