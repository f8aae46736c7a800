"""Loaded into a test worker with ``celery worker --include tests.worker_hooks``.

- SENCOTRACK_TEST_REPORT_DELAY=N: every report takes N more seconds, so a test can kill the worker in
  the middle of one.
- SENCOTRACK_TEST_PDF_SECONDS=N: a pack's PDF takes at least N seconds, as a big school's does: the
  real PDF is rendered again and again until N seconds have passed, so the worker is as busy (CPU,
  and Python's GIL, which the heartbeat thread must still get) as WeasyPrint keeps it.

Test instrumentation only: the product never imports this module.
"""

import os
import time

from reports import generators, packs

DELAY = float(os.environ.get("SENCOTRACK_TEST_REPORT_DELAY", "0"))
PDF_SECONDS = float(os.environ.get("SENCOTRACK_TEST_PDF_SECONDS", "0"))

if DELAY:
    for kind, build in list(generators.REGISTRY.items()):
        def slow(ctx, build=build):
            ctx.progress(10, "Slowed down by the test")
            time.sleep(DELAY)
            return build(ctx)

        generators.REGISTRY[kind] = slow

if PDF_SECONDS:
    real_render_pdf = packs.render_pdf

    def slow_render_pdf(**kwargs):
        until = time.monotonic() + PDF_SECONDS
        pdf = real_render_pdf(**kwargs)
        while time.monotonic() < until:
            pdf = real_render_pdf(**kwargs)
        return pdf

    packs.render_pdf = slow_render_pdf
