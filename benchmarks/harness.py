"""What the database benchmarks share: a fresh PostgreSQL database, Django set up on it
with every view imported, and a timer."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def setup_django(server: str, database: str) -> None:
    """Configure Django for ``database`` on ``server`` (from a checkout, with ``src/`` on
    the path) and import every view."""
    os.environ["DATABASE_URL"] = f"{server}/{database}"
    os.environ.setdefault("QUOTAFLOW_HTTPS", "0")
    os.environ.setdefault("QUOTAFLOW_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "quotaflow.config.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()
    from django.urls import get_resolver

    # Import every view now, so that the run uses one consistent version of the code.
    get_resolver().url_patterns  # noqa: B018


def recreate_database(server: str, database: str) -> None:
    """Drop ``database`` on ``server`` (whoever is connected) and create it empty."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {database}")


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds ``action()`` took, and what it returned."""
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result
