"""Pydantic DTOs of matching for the API and web adapters."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class AccountMatchRead(BaseModel):
    """The existing account a lead belongs to (by e-mail domain, web site or company name)."""

    account_id: uuid.UUID
    name: str
    domain: str | None
    owner_email: str | None
    matched_on: str = Field(description="email_domain, website, company_name or company_name_fuzzy")
    score: float = Field(description="100 for exact matches, else the fuzzy score (0..100)")
    others: int = Field(description="other accounts that matched as well")
    description: str


class DuplicateRead(BaseModel):
    """The open lead this lead duplicates (the oldest by the configured keys)."""

    lead_id: uuid.UUID
    lead_ref: str
    matched_on: str
    owner_email: str | None


class LeadMatchRead(BaseModel):
    lead_id: uuid.UUID
    account: AccountMatchRead | None
    duplicate_of: DuplicateRead | None
    name_threshold: int = Field(description="fuzzy company-name threshold used (50..100)")
    duplicate_keys: list[str] = Field(description="keys compared for duplicates")
    settings_source: str = Field(description="the published rules, or the built-in defaults")
