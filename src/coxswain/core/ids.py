"""Record identifiers: time-ordered UUIDs (version 7, RFC 9562).

The first 48 bits are the Unix time in milliseconds, so ids created one after another sort
together: bulk inserts append to the primary-key index instead of scattering across it, and
foreign-key indexes on those ids stay compact. The remaining 74 bits are random.
"""

from __future__ import annotations

import os
import random
import time
import uuid

# Random bits for ids need to be unique, not secret: a generator seeded once from the OS is
# many times faster than a system call per id.
_random = random.Random(os.urandom(32))
os.register_at_fork(after_in_child=lambda: _random.seed(os.urandom(32)))


def new_id() -> uuid.UUID:
    """A new UUIDv7: 48-bit millisecond timestamp, version 7, variant 10, 74 random bits."""
    millis = time.time_ns() // 1_000_000
    bits = _random.getrandbits(74)
    value = (millis & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76
    value |= ((bits >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= bits & 0x3FFF_FFFF_FFFF_FFFF
    return uuid.UUID(int=value)


def new_id_hex() -> str:
    """A new UUIDv7 as 32 hex digits (what bulk loaders write; both databases read it)."""
    millis = time.time_ns() // 1_000_000
    bits = _random.getrandbits(74)
    value = (millis & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76
    value |= ((bits >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= bits & 0x3FFF_FFFF_FFFF_FFFF
    return f"{value:032x}"
