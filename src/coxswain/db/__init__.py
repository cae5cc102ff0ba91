"""Persistence plumbing: declarative base, portable column types, engines, sessions, migrations."""
