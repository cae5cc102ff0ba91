"""Configuration from environment variables (prefix ``COXSWAIN_``) via pydantic-settings."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """The per-user data directory (e.g. ``~/.local/share/coxswain`` on Linux)."""
    return Path(user_data_dir("coxswain", appauthor=False))


def default_database_url() -> str:
    """SQLite file under the user's data directory."""
    return f"sqlite:///{default_data_dir() / 'coxswain.db'}"


class Settings(BaseSettings):
    """Runtime settings.

    Attributes:
        database_url: SQLAlchemy URL. ``sqlite:///path`` or ``postgresql://user@host/db``
            (the ``postgresql://`` form is rewritten to the psycopg 3 driver).
        reporting_currency: ISO 4217 code all money KPIs are converted to.
        data_dir: where the default SQLite file, demo data and exports live.
        env: ``development`` or ``production``.
        analytics_workers: worker processes that run a large report's queries side by side
            on SQLite (default: 2, or 1 on a one-core machine; 0 or 1 turns them off).
    """

    model_config = SettingsConfigDict(env_prefix="COXSWAIN_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    reporting_currency: str = "USD"
    data_dir: Path = Field(default_factory=default_data_dir)
    env: str = "development"
    analytics_workers: int = Field(default_factory=lambda: min(2, os.cpu_count() or 1), ge=0)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
