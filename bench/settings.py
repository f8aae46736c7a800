"""Settings for the benchmark's server and worker processes: the product's, plus the floor view.

Everything else still comes from the environment exactly as in production (``bench.run`` sets
DEBUG=false, a generated SECRET_KEY, the benchmark's own DATABASE_URL and so on), so the pages
are measured with the settings a school would run.
"""

import os

from sencotrack.settings import *  # noqa: F403
from sencotrack.settings import BASE_DIR, CACHES

ROOT_URLCONF = "bench.urls"

# Static files collected for DEBUG=false (manifest storage) go under the ignored bench/data/,
# so the benchmark never touches the project's own staticfiles/ folder.
STATIC_ROOT = BASE_DIR / "bench" / "data" / "static"

# A fresh cache namespace per run: a warm Redis from an earlier run must not flatter the pages.
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    CACHES["default"]["KEY_PREFIX"] = os.environ.get("BENCH_CACHE_PREFIX", "sencotrack-bench")
