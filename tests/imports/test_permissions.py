"""``imports.permissions``: who may run which import, each role against each kind, with
the import action agreeing (a refused import writes nothing, not even its run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from quotaflow.imports.actions import import_file
from quotaflow.imports.models import ImportKind
from quotaflow.imports.permissions import can_import
from tests.attempts import allowed
from tests.conftest import SmallOrg
from tests.org.test_permissions import CHANGERS, ROLES

FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"
FILES = {
    ImportKind.ORG: "org_good.csv",
    ImportKind.TRANSACTIONS: "transactions_good.csv",
    ImportKind.ACTIVITIES: "activities_good.csv",
}


@pytest.mark.parametrize("kind", list(FILES))
@pytest.mark.parametrize("role", ROLES)
def test_every_import_kind_agrees_with_the_predicate(
    small_org: SmallOrg, role: str, kind: str
) -> None:
    user = small_org.users[role]
    may = can_import(user, kind)
    assert may is (role in CHANGERS)
    path = FIXTURES / FILES[kind]
    assert allowed(
        lambda: import_file(
            kind, path, file_name=path.name, acting_user=user, skip_bad_rows=True, via="web",
            dry_run=kind == ImportKind.ORG,
        )
    ) is may  # fmt: skip


def test_nobody_imports_anonymously(small_org: SmallOrg) -> None:
    assert not can_import(None)
