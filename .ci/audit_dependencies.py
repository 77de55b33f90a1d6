"""CI's dependency audit: pip-audit over the installed virtual environment, bounded in time,
with an answer that says what was and was not checked.

Exit 1 when a known vulnerability is found in an installed package. When the vulnerability
database cannot be reached (pip-audit asks PyPI's per-release JSON API, whose records
carry the advisories), no package can be audited: the step prints that loudly, with the
count, and exits 0 — a machine without the database cannot tell, and saying "no known
vulnerabilities" then would be pretending.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TIME_LIMIT_SECONDS = 240


def main() -> int:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    command = [str(pip_audit), "--format", "json", "--progress-spinner", "off",
               "--skip-editable", "--timeout", "10", "--vulnerability-service", "pypi"]  # fmt: skip
    try:
        finished = subprocess.run(  # noqa: S603 - our own venv's pip-audit, fixed arguments
            command, capture_output=True, text=True, timeout=TIME_LIMIT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        print(f"DEPENDENCY AUDIT NOT DONE: pip-audit did not finish in {TIME_LIMIT_SECONDS} s.")
        return 0
    try:
        report = json.loads(finished.stdout)
    except json.JSONDecodeError:
        print("DEPENDENCY AUDIT NOT DONE: pip-audit gave no report.")
        print(finished.stderr.strip()[-2000:])
        return 0
    dependencies = report.get("dependencies", [])
    audited = [dep for dep in dependencies if "skip_reason" not in dep]
    vulnerable = [dep for dep in audited if dep.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    skipped = len(dependencies) - len(audited)
    print(f"Dependency audit: {len(audited)} of {len(dependencies)} installed packages checked "
          f"against PyPI's advisories, {len(vulnerable)} with known vulnerabilities.")  # fmt: skip
    if not audited and dependencies:
        print(
            f"DEPENDENCY AUDIT NOT DONE: none of the {skipped} packages could be looked up; "
            "the vulnerability database (PyPI's per-release JSON API, or OSV) is not reachable "
            "from this machine. See the README's section on the dependency audit."
        )
    elif skipped:
        print(f"{skipped} packages could not be looked up and were not checked.")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
