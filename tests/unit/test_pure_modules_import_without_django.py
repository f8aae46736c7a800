"""The domain modules are pure: they import, and work, with Django impossible to import."""

import subprocess
import sys
from pathlib import Path

import pytest

PURE_MODULES = [
    "assessments.ladder",
    "assessments.ages",
    "assessments.semh",
    "assessments.progression",
    "assessments.expected",
    "reports.metrics",
    "sencotrack.parsing",
    "pupils.upn",
    "plans.plain",
    "plans.cycle",
]
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_the_module_imports_when_django_cannot_be_imported(module):
    # A None entry in sys.modules makes any `import django...` raise ImportError.
    code = (
        "import sys\n"
        "sys.modules['django'] = None\n"
        f"import {module}\n"
        "assert not [m for m in sys.modules if m.startswith('django.')], 'django was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_importing_every_pure_module_leaves_django_out_of_sys_modules():
    code = (
        f"import sys\nimport {', '.join(PURE_MODULES)}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
