"""Writers for accounts and contacts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from coxswain.imports.writers.base import EntityWriter, Pending, Record, reject

ACCOUNT_TEXT = (
    "name",
    "domain",
    "website",
    "industry",
    "segment",
    "employees",
    "year_established",
    "country",
    "state",
    "city",
    "postal_code",
)


def domain_of(website: str) -> str:
    """``https://www.Acme.com/about`` → ``acme.com``."""
    host = website.strip().lower().split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


class AccountWriter(EntityWriter):
    table_name = "accounts"
    entity = "accounts"
    deferred: ClassVar[dict[str, tuple[str, str]]] = {"parent": ("parent_id", "accounts")}

    def build(self, item: Pending) -> Record:
        record: Record = {}
        self.copy_fields(item, record, ACCOUNT_TEXT)
        values = item.values
        if (values.get("employees") or 0) < 0:
            raise reject(
                item.line, "employees", values["employees"], "expected 0 or more employees"
            )
        if self.mapped("domain") or self.mapped("website"):
            domain = values.get("domain") or (
                domain_of(values["website"]) if values.get("website") else None
            )
            record["domain"] = domain.lower() if domain else None
        if self.mapped("owner"):
            record["owner_id"] = self.ref(item, "owner", "users")
        if self.mapped("annual_revenue"):
            currency = self.currency(item, "annual_revenue_currency", "annual_revenue")
            record["annual_revenue_minor"] = self.minor(item, "annual_revenue", currency)
            record["annual_revenue_currency"] = currency if values.get("annual_revenue") else None
        return record

    def after_insert(self, items: Sequence[Pending]) -> None:
        for item in items:
            assert item.record is not None
            self.ctx.resolver.remember(
                "accounts", str(item.values["external_id"]), item.record["id"]
            )


class ContactWriter(EntityWriter):
    table_name = "contacts"
    entity = "contacts"

    def prefetch(self, batch: Sequence[Pending]) -> None:
        self.prefetch_refs(batch, {"account": "accounts"})

    def build(self, item: Pending) -> Record:
        record: Record = {}
        self.copy_fields(item, record, ("first_name", "last_name", "email", "phone", "title"))
        if self.mapped("account"):
            record["account_id"] = self.ref(item, "account", "accounts")
        if self.mapped("owner"):
            record["owner_id"] = self.ref(item, "owner", "users")
        return record
