"""Loaded into a test worker with ``celery worker --include tests.worker_hooks``.

Makes every report take a few seconds, so a test can kill the worker in the middle of one.
Test instrumentation only: the product never imports this module.
"""

import os
import time

from reports import generators

DELAY = float(os.environ.get("SENCOTRACK_TEST_REPORT_DELAY", "0"))

if DELAY:
    for kind, build in list(generators.REGISTRY.items()):
        def slow(ctx, build=build):
            ctx.progress(10, "Slowed down by the test")
            time.sleep(DELAY)
            return build(ctx)

        generators.REGISTRY[kind] = slow
