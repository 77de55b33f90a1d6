"""The layering of the package, as import-linter contracts (``.importlinter`` at the
repository root): the engine is pure, domain apps import neither the API nor the web
pages, and no two parts of Quotaflow import each other in a cycle."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

import pytest
from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

import quotaflow

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = ROOT / ".importlinter"
ADAPTERS = {"api", "web", "config", "cli"}  # the outer layer: free to import every app
# The pure engines, and the parts that hold them: a part cannot be forbidden to its own
# engine, so the contract names the Django modules of such a part instead.
PURE_ENGINES = {"quotaflow.planning", "quotaflow.incentives.engine"}
ENGINE_HOSTS = {"planning", "incentives"}


def test_every_architecture_contract_is_kept(capsys: pytest.CaptureFixture[str]) -> None:
    status = lint_imports(config_filename=str(CONTRACTS), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert status == EXIT_STATUS_SUCCESS, report
    assert "BROKEN" not in report and report.count("KEPT") == 3


def test_every_part_of_the_package_is_under_a_contract() -> None:
    """A new app must be named in the contracts, or it escapes them silently."""
    contracts = configparser.ConfigParser()
    contracts.read(CONTRACTS)
    engine = contracts["importlinter:contract:pure-engine"]
    pure = set(engine["forbidden_modules"].split())
    assert set(engine["source_modules"].split()) == PURE_ENGINES
    domain = set(contracts["importlinter:contract:adapters-outside"]["source_modules"].split())
    package = Path(quotaflow.__file__).parent
    parts = {
        path.stem if path.is_file() else path.name
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    }
    for part in parts - ENGINE_HOSTS:
        assert f"quotaflow.{part}" in pure, f"{part} is missing from the pure-engine contract"
    for part in parts - ADAPTERS:
        assert f"quotaflow.{part}" in domain, f"{part} is missing from the adapters contract"
    incentives = package / "incentives"
    django_modules = {
        f"quotaflow.incentives.{path.stem if path.is_file() else path.name}"
        for path in incentives.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    } - {"quotaflow.incentives.engine"}
    missing = sorted(django_modules - pure)
    assert not missing, f"{missing} missing from the pure-engine contract's forbidden modules"


def test_imports_write_the_organisation_only_through_orgs_actions() -> None:
    """The import app takes org's enumerations from ``org.models`` but no model class: it
    cannot write a unit, person or assignment except through ``org.actions``. (A module-level
    import-linter contract cannot tell an enumeration from a model, so this reads the AST.)"""
    from django.db import models

    from quotaflow.org import models as org_models

    package = Path(quotaflow.__file__).parent / "imports"
    taken: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "quotaflow.org.models":
                taken.update({alias.name: path.name for alias in node.names})
            if isinstance(node, ast.ImportFrom) and node.module == "quotaflow.org":
                assert all(alias.name != "models" for alias in node.names), path.name
    model_classes = {
        name: where
        for name, where in taken.items()
        if isinstance(getattr(org_models, name), type)
        and issubclass(getattr(org_models, name), models.Model)
    }
    assert model_classes == {}
