"""The engines must stay pure: importing the planning engine or the incentive engine pulls
in no Django (and no pandas)."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("engine", ["quotaflow.planning", "quotaflow.incentives.engine"])
def test_importing_the_engine_does_not_import_django(engine: str) -> None:
    code = (
        f"import sys, {engine}; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'pandas'}); "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
