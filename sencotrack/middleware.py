"""Every page is private: ``Cache-Control: private, no-store`` on every response that is not a static file.

Pages name pupils (special-category data); a shared proxy must never keep one, and a browser
must not keep one on disk for the next person at the same computer. WhiteNoise answers static
files before this runs, so they stay cacheable.
"""

from __future__ import annotations

from django.utils.cache import patch_cache_control


def no_store(get_response):
    def middleware(request):
        response = get_response(request)
        patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware
