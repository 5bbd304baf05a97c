"""No word broken mid-word (issue 25, item 5): in English, Chinese and Russian, at 360 and 1280 px
and in print, every Latin or Cyrillic word of the pages an inspector and a trader use lies on one
line ("Acknowled|ge", "Countr|y", "Uzbekis|tan" on the dashboard, "Confiden|ce" in print were not).
Chromium measures each word's boxes: a word drawn on two lines is broken. Screenshots of every
page, language and width are written to artifacts/ for a person to look at."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser]

LANGUAGES = ("en", "zh-hans", "ru")
WIDTHS = (360, 1280)
PAGES = (
    "/dashboard/",
    "/accessions/pipeline/",
    "/check/?product=maize&country=KZ&port=khorgos",
    "/accounts/",
    "/accounts/subscriptions/",
    "/proposals/import/",
    "/ports/",
)

# Every letter run of two or more (Chinese breaks between characters by its rules: not checked);
# a word inside a permalink, a secret or code may break (they are long tokens on purpose).
_BROKEN_WORDS = """() => {
  const word = /[A-Za-z\\u0400-\\u04FF]{2,}/g;
  const root = document.querySelector("main") || document.body;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const broken = [];
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!el || el.closest(".permalink, .secret, code, pre, .visually-hidden, [hidden]")) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 2 || getComputedStyle(el).visibility === "hidden") continue;
    let m;
    word.lastIndex = 0;
    while ((m = word.exec(node.data))) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
      if (rects.length < 2) continue;
      const first = rects[0];
      if (rects.some((r) => Math.abs(r.top - first.top) > first.height / 2)) {
        broken.push(m[0] + " (" + el.tagName.toLowerCase() + ")");
      }
    }
  }
  return broken;
}"""


@pytest.fixture(scope="module")
def signed_in_site(browser, live_server, django_db_setup, django_db_blocker):
    """The seeds and the demo set, and a senior inspector's session (the dashboard, the import
    page and the account pages are theirs); removed afterwards."""
    from accounts.services import account_create

    with django_db_blocker.unblock():
        call_command("load_seeds", verbosity=0)
        call_command("load_demo", verbosity=0)
        user = account_create(
            username="words",
            email="words@example.org",
            password="pw-whole-words-1",
            role="senior_inspector",
        )
        assert user.pk
        yield live_server.url, "words"
        call_command("flush", interactive=False, verbosity=0)


def _visit(browser, site, login, *, language, width, print_media=False):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{site}/accounts/login/")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("pw-whole-words-1")
    page.locator("form.account-form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    if print_media:
        page.emulate_media(media="print")
    return context, page


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_no_word_is_broken_on_screen(browser, signed_in_site, artifacts_dir, language, width):
    site, session = signed_in_site
    context, page = _visit(browser, site, session, language=language, width=width)
    broken = {}
    for path in PAGES:
        response = page.goto(f"{site}{path}", wait_until="load")
        assert response is not None and response.status < 500, path
        assert "/accounts/login/" not in page.url, f"not signed in: {path}"
        found = page.evaluate(_BROKEN_WORDS)
        if found:
            broken[path] = found
        name = path.strip("/").split("?")[0].replace("/", "-") or "home"
        page.screenshot(
            path=str(artifacts_dir / f"words-{name}-{language}-{width}.png"), full_page=True
        )
    context.close()
    assert broken == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_word_is_broken_in_print(browser, signed_in_site, language):
    """Print media on an A4 width (210 mm less the 12 mm margins at 96 px an inch)."""
    site, session = signed_in_site
    context, page = _visit(browser, site, session, language=language, width=703, print_media=True)
    broken = {}
    for path in (
        "/check/?product=maize&country=KZ&port=khorgos",
        "/check/?product=beef&country=KZ&port=khorgos",
        "/dashboard/",
    ):
        page.goto(f"{site}{path}", wait_until="load")
        assert "/accounts/login/" not in page.url, f"not signed in: {path}"
        found = page.evaluate(_BROKEN_WORDS)
        if found:
            broken[path] = found
    context.close()
    assert broken == {}
