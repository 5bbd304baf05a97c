"""No word broken mid-word (issue 25, item 5): in English, Chinese and Russian, at 360 and 1280 px
and in print, every Latin or Cyrillic word of the pages an inspector and a trader use lies on one
line ("Acknowled|ge", "Countr|y", "Uzbekis|tan" on the dashboard, "Confiden|ce" in print were not).
Chromium measures each word's boxes: a word drawn on two lines is broken. Screenshots of every
page, language and width are written to artifacts/ for a person to look at."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.conftest import seeds_put_in

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
PRINTED = (
    "/check/?product=maize&country=KZ&port=khorgos",
    "/check/?product=beef&country=KZ&port=khorgos",
    "/dashboard/",
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
def signed_in(browser, live_server, django_db_setup, django_db_blocker):
    """The seeds and the demo set, and one browser context signed in as a senior inspector (the
    dashboard, the import page and the account pages are theirs), shared by the tests below:
    each sets its own width, language and media. Removed afterwards."""
    from accounts.services import account_create

    with django_db_blocker.unblock():
        seeds_put_in()
        call_command("load_demo", verbosity=0)
        account_create(
            username="words",
            email="words@example.org",
            password="pw-whole-words-1",
            role="senior_inspector",
        )
        site = live_server.url
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{site}/accounts/login/")
        page.locator("input[name=login]").fill("words")
        page.locator("input[name=password]").fill("pw-whole-words-1")
        page.locator("form.account-form button[type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        yield site, context, page
        context.close()
        call_command("flush", interactive=False, verbosity=0)


def _prepare(signed_in, *, language, width, print_media=False):
    site, context, page = signed_in
    context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(media="print" if print_media else "screen")
    return site, page


def test_no_word_is_broken_on_screen_or_in_print(signed_in, artifacts_dir):
    """One signed-in visit of every page in every language, at 360 and 1280 px on screen and on
    an A4 width (210 mm less the 12 mm margins at 96 px an inch) in print."""
    broken = {}
    for language in LANGUAGES:
        for width, media in ((360, "screen"), (1280, "screen"), (703, "print")):
            site, page = _prepare(
                signed_in, language=language, width=width, print_media=media == "print"
            )
            paths = PAGES if media == "screen" else PRINTED
            for path in paths:
                response = page.goto(f"{site}{path}", wait_until="load")
                assert response is not None and response.status < 500, path
                assert "/accounts/login/" not in page.url, f"not signed in: {path}"
                found = page.evaluate(_BROKEN_WORDS)
                if found:
                    broken[f"{language} {width}px {media} {path}"] = found
                if media == "screen":
                    name = path.strip("/").split("?")[0].replace("/", "-") or "home"
                    page.screenshot(
                        path=str(artifacts_dir / f"words-{name}-{language}-{width}.png"),
                        full_page=True,
                    )
    assert broken == {}
