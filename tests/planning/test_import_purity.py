"""The engine must stay pure: importing it pulls in no Django (and no pandas)."""

import subprocess
import sys


def test_importing_the_engine_does_not_import_django() -> None:
    code = (
        "import sys, quotaflow.planning; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'pandas'}); "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
