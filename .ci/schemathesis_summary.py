"""Print one line of what schemathesis sent in a test run (the report its test module writes)."""

import json
import sys
from pathlib import Path

report, database = Path(sys.argv[1]), sys.argv[2]
if not report.is_file():
    print(f"schemathesis ({database}): no report at {report}; did its tests run?")
    sys.exit(0)
summary = json.loads(report.read_text(encoding="utf-8"))
statuses = ", ".join(f"{count} × {status}" for status, count in summary["by_status_class"].items())
print(
    f"schemathesis ({database}): {summary['operations_called']} of "
    f"{summary['operations_documented']} operations called with 3 roles, "
    f"{summary['requests']} requests ({statuses}), {summary['server_errors']} server errors"
)
