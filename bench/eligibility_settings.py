"""Settings for bench/eligibility.py only: the production settings, plus a URLconf that adds the
bare comparison view. Never used outside the benchmark, so the bare view is not reachable in
production URLs."""

from registry.settings import *  # noqa: F403
from registry.settings import REST_FRAMEWORK

ROOT_URLCONF = "bench.eligibility_urls"
# Throttling stays on (its Redis round trip is part of a real request); the limits are out of reach.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "100000000/min", "key": "100000000/min"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
