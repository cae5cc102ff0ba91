"""Olist "Marketing Funnel" → native bundle.

Mapping decisions (see docs/import.md):

- Every MQL becomes a lead: ``first_contact_date`` is when it was received and became an MQL,
  ``origin`` its source (blank stays blank), ``landing_page_id`` its landing page.
- A closed deal marks its MQL ``converted`` at ``won_date``, owned by the SR (``sr_id``) who
  closed it, with the SDR (``sdr_id``) who worked it, ``business_segment`` as its segment and
  the deal's other descriptive columns kept in ``attributes``.
- SDRs and SRs become reps in two teams (ids are hashes, so names are "SDR 1a2b3c4d"); the
  13 people who appear in both columns are one user each, in the SR team.
- The seller a deal created becomes an account (city/state/zip from the sellers table when the
  seller is listed there) and the lead's converted account.
- Dates carry no time zone; Olist is in São Paulo, so they are read as America/Sao_Paulo.
  One deal is won two days before its first contact: it is imported as given, with a warning.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from coxswain.imports.datasets.common import NativeWriter, read_rows

ZONE = ZoneInfo("America/Sao_Paulo")
MQLS = "olist_marketing_qualified_leads_dataset.csv"
DEALS = "olist_closed_deals_dataset.csv"
SELLERS = "olist_sellers_dataset.csv"
TITLES = {"sdr": "Sales Development Rep", "sr": "Sales Representative"}
ATTRIBUTES = (
    "lead_type",
    "lead_behaviour_profile",
    "has_company",
    "has_gtin",
    "average_stock",
    "business_type",
    "declared_product_catalog_size",
    "declared_monthly_revenue",
)


def local_iso(text: str) -> str:
    """``2018-02-26 19:58:54`` or ``2018-02-26`` (São Paulo time) → ISO 8601 with offset."""
    if not text:
        return ""
    value = (
        datetime.fromisoformat(text)
        if " " in text or "T" in text
        else datetime.combine(date.fromisoformat(text), datetime.min.time())
    )
    return value.replace(tzinfo=ZONE).isoformat()


def short(identifier: str) -> str:
    return identifier[:8]


def convert(source: Path, out: Path) -> None:
    deals = {
        row["mql_id"]: row
        for _, row in read_rows(source / DEALS, ("mql_id", "sdr_id", "sr_id", "won_date"))
    }
    sellers = _sellers(source / SELLERS)
    _org(deals, out)
    _accounts(deals, sellers, out)
    _leads(source / MQLS, deals, out)


def _sellers(path: Path) -> dict[str, dict[str, str]]:
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["seller_id"]: row for row in csv.DictReader(handle)}


def _org(deals: dict[str, dict[str, str]], out: Path) -> None:
    teams, users = NativeWriter(out, "teams"), NativeWriter(out, "users")
    teams.write({"external_id": "olist", "name": "Olist Sales", "region": "Brazil"})
    teams.write({"external_id": "sdr", "name": "Olist SDRs", "parent": "olist", "region": "Brazil"})
    teams.write(
        {"external_id": "sr", "name": "Olist Sales Reps", "parent": "olist", "region": "Brazil"}
    )
    roles: dict[str, set[str]] = {}
    for deal in deals.values():
        for role in ("sdr", "sr"):
            if deal.get(f"{role}_id"):
                roles.setdefault(deal[f"{role}_id"], set()).add(role)
    for person in sorted(roles):
        held = roles[person]
        # Some people appear both as SDR and as SR: one user, in the closers' team.
        team = "sr" if "sr" in held else "sdr"
        title = " and ".join(TITLES[r] for r in ("sdr", "sr") if r in held)
        users.write(
            {
                "external_id": person,
                "email": f"{team}.{person}@olist.example",
                "full_name": f"{team.upper()} {short(person)}",
                "title": title,
                "role": "rep",
                "team": team,
                "region": "Brazil",
                "time_zone": "America/Sao_Paulo",
            }
        )
    teams.close()
    users.close()


def _accounts(
    deals: dict[str, dict[str, str]], sellers: dict[str, dict[str, str]], out: Path
) -> None:
    writer = NativeWriter(out, "accounts")
    for seller_id in sorted({d["seller_id"] for d in deals.values() if d.get("seller_id")}):
        deal = next(d for d in deals.values() if d.get("seller_id") == seller_id)
        seller = sellers.get(seller_id, {})
        writer.write(
            {
                "external_id": seller_id,
                "name": f"Seller {short(seller_id)}",
                "industry": deal.get("business_segment", ""),
                "country": "Brazil",
                "state": seller.get("seller_state", ""),
                "city": seller.get("seller_city", ""),
                "postal_code": seller.get("seller_zip_code_prefix", ""),
                "owner": deal["sr_id"],
            }
        )
    writer.close()


def _leads(path: Path, deals: dict[str, dict[str, str]], out: Path) -> None:
    writer = NativeWriter(out, "leads")
    for line, row in read_rows(path, ("mql_id", "first_contact_date", "landing_page_id", "origin")):
        received = local_iso(row["first_contact_date"])
        values: dict[str, object] = {
            "external_id": row["mql_id"],
            "source": row["origin"],
            "landing_page": row["landing_page_id"],
            "received_at": received,
            "mql_at": received,
            "status": "mql",
        }
        deal = deals.get(row["mql_id"])
        if deal is not None:
            attributes = {k: deal[k] for k in ATTRIBUTES if deal.get(k)}
            values.update(
                {
                    "status": "converted",
                    "converted_at": local_iso(deal["won_date"]),
                    "owner": deal["sr_id"],
                    "sdr": deal["sdr_id"],
                    "segment": deal.get("business_segment", ""),
                    "converted_account": deal.get("seller_id", ""),
                    "attributes": json.dumps(attributes, sort_keys=True) if attributes else "",
                }
            )
        writer.write(values, line)
    writer.close()
