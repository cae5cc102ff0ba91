"""Fixtures for routing and SLA integration tests."""

from __future__ import annotations

import pytest
from routing_world import World
from sqlalchemy.orm import Session


@pytest.fixture
def world(session: Session) -> World:
    return World(session)
