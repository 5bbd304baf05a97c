"""Settings for the benchmarks only: the production settings (config.settings, configured by the
same environment variables the README documents), plus a URLconf that adds the bare comparison
view (the floor). That URL is the only difference, so the bare view is reachable in no production
URL and the registry is measured as it is deployed. The benchmark sets the rate limits out of
reach through their documented variables (API_RATE_ANON, API_RATE_KEY): throttling stays on, its
Redis round trip part of every request."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.eligibility_urls"
