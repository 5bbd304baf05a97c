"""Issue 27, item 8: gunicorn's own 414 is configured (gunicorn.conf.py, read from the working
directory): a request line up to 8,190 bytes reaches the registry, which answers it; a longer one
gets gunicorn's plain 414, as the README says."""

import httpx
import pytest

from tests.integration.processes import database_url, gunicorn

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_long_request_lines_reach_the_registry_up_to_the_documented_limit(tmp_path, settings):
    env = {"DATABASE_URL": database_url(), "REDIS_URL": settings.CACHES["default"]["LOCATION"]}
    with gunicorn(env, workers=1, log=tmp_path / "gunicorn.log") as base:
        within = httpx.get(f"{base}/api/v1/products/?q={'a' * 7000}", timeout=30)
        beyond = httpx.get(f"{base}/api/v1/products/?q={'a' * 8300}", timeout=30)
    assert within.status_code != 414
    assert within.headers["content-type"].startswith("application/")  # the registry answered
    assert beyond.status_code == 414
