"""Typed readers for settings from the environment that fail fast on bad values."""

from __future__ import annotations

import os
import zoneinfo
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    """Return the variable as a string, or the default when unset."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean; anything other than a recognised yes/no word is an error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no or on/off."
    )


def env_int(name: str, default: int) -> int:
    """Return an integer, or fail with the variable's name."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated list with blanks removed."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_time_zone(name: str, default: str) -> str:
    """Return an IANA time-zone name that the system knows."""
    value = os.environ.get(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a known time zone (e.g. Europe/Berlin)."
        ) from None
    return value


def parse_database_url(url: str) -> dict[str, object]:
    """Turn ``sqlite:///path`` or ``postgresql://user:pw@host:port/name`` into a DATABASES entry."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc:
            raise ImproperlyConfigured(
                f"DATABASE_URL={url!r}: an SQLite URL has three slashes and an absolute path, "
                "e.g. sqlite:////home/me/quotaflow.sqlite3"
            )
        # sqlite:///rel.db is relative to the working directory, sqlite:////abs.db absolute.
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no SQLite file.")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": None},
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no database.")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL={url!r}: unsupported scheme {scheme!r}; use sqlite:/// or postgresql://."
    )


def default_sqlite_path() -> Path:
    """The embedded database file in the user's data directory."""
    from platformdirs import user_data_path

    return user_data_path("quotaflow", appauthor=False) / "quotaflow.sqlite3"


def local_secret_key() -> str:
    """A random key kept next to the embedded database, made on first use (mode 0600).

    A laptop or demo install then needs no configuration; a deployment sets
    ``QUOTAFLOW_SECRET_KEY`` so that every web process shares one key.
    """
    import secrets

    key_file = default_sqlite_path().parent / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="ascii").strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(64)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key
