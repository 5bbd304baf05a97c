"""Real Chromium (Debian's /usr/bin/chromium) driven by playwright against pytest-django's
live_server. ONE browser and ONE server (live_server is session-scoped) serve the whole browser
suite: launching Chromium costs more than most of the tests.

Playwright's sync API runs an event loop in the test thread, which trips Django's async-safety
check on database access from that thread (fixtures, seeding, flushing); the test server is a
separate thread, so allowing it is safe here. The allowance lives as long as the browser (from
the first browser test to the end of the run); the subprocess tests (`check --deploy`, the
embedded mode) drop DJANGO_ALLOW_ASYNC_UNSAFE from their environment.
"""

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (make pytest does it)")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                ],
            )
            yield chromium
            chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
