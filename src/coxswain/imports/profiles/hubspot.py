"""The ``hubspot`` profile: CRM exports (property labels) and internal property names.

Deals import as ``opportunities``, companies as ``accounts``, contacts as ``leads`` (or as
``contacts``). Labels (``Deal Stage``) and internal names (``dealstage``) feed the same field;
when a file has several columns for one field, the first one listed below wins.

Choices:

- Dates: ISO (``2024-04-12 16:20``) as HubSpot exports them; other forms month first.
  Date-times without an offset are taken as UTC.
- Deals land in ``HubSpot Sales Pipeline``, created with HubSpot's default stages before the
  first deal import; HubSpot's own label ``Sales Pipeline`` and id ``default`` land there too.
  Stage ids (``appointmentscheduled`` ... ``closedlost``) and labels suffixed with the pipeline
  (``Closed Won (Sales Pipeline)``) become the stage labels; other stages are created.
- ``Close Date`` is the expected close date (the close date of a closed deal); ``Create Date``
  is ``opened_on`` for deals and ``received_at`` for contacts (``Became a Lead Date`` only when
  the file has no ``Create Date`` column).
- Owners are full names (``Deal owner``), or owner ids when that is all the file has; unknown
  owners are created as users. Companies named by a deal and missing are created: import
  companies first. Company ids win over company names.
- ``Deal Type``: New Business → new_business; Existing Business → upsell (more revenue from a
  customer; HubSpot's default property does not tell renewals apart, add a ``Renewal`` option
  to do so).
- ``Forecast category``: Not forecasted → omitted, Pipeline, Best case, Commit, Closed won →
  closed. ``Deal probability`` (a 0–1 fraction) is not read: the stage's probability applies.
- Lead status from ``Lifecycle Stage``: subscriber, lead, other → new; marketing qualified
  lead → mql; sales qualified lead → qualified; opportunity, customer, evangelist → converted
  (a deal exists). ``Lead Status`` is read only when the file has no lifecycle column:
  NEW → new; OPEN → mql (open for sales, not yet worked, like Salesforce's "Open - Not
  Contacted"); ATTEMPTED_TO_CONTACT, CONNECTED, IN_PROGRESS → accepted; OPEN_DEAL → converted;
  UNQUALIFIED → disqualified; BAD_TIMING → recycled.
- ``Original Source`` internal values (``ORGANIC_SEARCH``) become their labels.
- The contact property ``Number of Employees`` is a range (``25-50``) and is not read;
  ``HubSpot Score`` must be 0–100 (a row outside that range is rejected).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from coxswain.imports.engine.mapping import Mapping, header_aliases
from coxswain.imports.engine.parsing import ParseOptions
from coxswain.imports.engine.schema import EntitySpec
from coxswain.imports.profiles import register
from coxswain.opportunities.defaults import HUBSPOT_STAGES
from coxswain.opportunities.pipelines import ensure_pipeline, pipeline_by_name

SOURCE = "hubspot"
PIPELINE = "HubSpot Sales Pipeline"
FLAGS = frozenset(
    {
        "create_missing_owners",
        "create_missing_stages",
        "create_missing_accounts",
        "synthesize_history",
    }
)

_ADDRESS: dict[str, tuple[str, ...]] = {
    "city": ("City",),
    "state": ("State/Region", "State"),
    "postal_code": ("Postal Code", "zip"),
    "country": ("Country/Region", "Country"),
}

_PERSON: dict[str, tuple[str, ...]] = {
    "external_id": ("Record ID", "Contact ID", "hs_object_id"),
    "first_name": ("First Name", "firstname"),
    "last_name": ("Last Name", "lastname"),
    "email": ("Email",),
    "phone": ("Phone Number", "phone", "Mobile Phone Number", "mobilephone"),
    "title": ("Job Title", "jobtitle"),
    "owner": ("Contact owner", "hubspot_owner_id"),
}

COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "opportunities": {
        "external_id": ("Record ID", "Deal ID", "hs_object_id"),
        "name": ("Deal Name", "dealname"),
        "pipeline": ("Pipeline",),
        "stage": ("Deal Stage", "dealstage"),
        "amount": ("Amount",),
        "currency": ("Currency", "Deal currency code", "deal_currency_code"),
        "expected_close_on": ("Close Date", "closedate"),
        "opened_on": ("Create Date", "createdate"),
        "owner": ("Deal owner", "hubspot_owner_id"),
        "type": ("Deal Type", "dealtype"),
        "account": (
            "Associated Company IDs (Primary)",
            "Associated Company ID",
            "Associated Company (Primary)",
            "Associated Company",
        ),
        "forecast_category": ("Forecast category", "hs_manual_forecast_category"),
        "lost_reason": ("Closed Lost Reason", "closed_lost_reason"),
        "lead_source": ("Original Source", "Original Traffic Source", "hs_analytics_source"),
        "next_step": ("Next step", "hs_next_step"),
        "description": ("Deal Description", "Description"),
    },
    "leads": {
        **_PERSON,
        "company": (
            "Company Name",
            "company",
            "Associated Company (Primary)",
            "Associated Company",
        ),
        "website": ("Website URL", "website"),
        "industry": ("Industry",),
        **_ADDRESS,
        "source": ("Original Source", "Original Traffic Source", "hs_analytics_source"),
        "status": ("Lifecycle Stage", "lifecyclestage", "Lead Status", "hs_lead_status"),
        "score": ("HubSpot Score", "hubspotscore"),
        "received_at": (
            "Create Date",
            "createdate",
            "Became a Lead Date",
            "hs_lifecyclestage_lead_date",
        ),
        "mql_at": (
            "Became a Marketing Qualified Lead Date",
            "hs_lifecyclestage_marketingqualifiedlead_date",
        ),
        "qualified_at": (
            "Became a Sales Qualified Lead Date",
            "hs_lifecyclestage_salesqualifiedlead_date",
        ),
        "converted_at": (
            "Became an Opportunity Date",
            "hs_lifecyclestage_opportunity_date",
            "Became a Customer Date",
            "hs_lifecyclestage_customer_date",
        ),
    },
    "contacts": {
        **_PERSON,
        "account": (
            "Associated Company IDs (Primary)",
            "Associated Company ID",
            "Associated Company (Primary)",
            "Associated Company",
        ),
    },
    "accounts": {
        "external_id": ("Record ID", "Company ID", "hs_object_id"),
        "name": ("Company name", "Name"),
        "domain": ("Company Domain Name", "Domain"),
        "website": ("Website URL", "website"),
        "industry": ("Industry",),
        "employees": ("Number of Employees", "numberofemployees"),
        "annual_revenue": ("Annual Revenue", "annualrevenue"),
        "owner": ("Company owner", "hubspot_owner_id"),
        **_ADDRESS,
        "parent": ("Parent Company ID", "hs_parent_company_id", "Parent Company"),
        "year_established": ("Year Founded", "founded_year"),
    },
}

STAGE_IDS = {
    "appointmentscheduled": "Appointment Scheduled",
    "qualifiedtobuy": "Qualified To Buy",
    "presentationscheduled": "Presentation Scheduled",
    "decisionmakerboughtin": "Decision Maker Bought-In",
    "contractsent": "Contract Sent",
    "closedwon": "Closed Won",
    "closedlost": "Closed Lost",
}
DEAL_STAGE = {
    **STAGE_IDS,
    **{f"{name} (sales pipeline)".lower(): name for name, *_ in HUBSPOT_STAGES},
}

DEAL_PIPELINE = {"sales pipeline": PIPELINE, "default": PIPELINE}

DEAL_TYPE = {
    "newbusiness": "new_business",
    "new business": "new_business",
    "existingbusiness": "upsell",
    "existing business": "upsell",
    "upsell": "upsell",
    "expansion": "upsell",
    "renewal": "renewal",
}

FORECAST_CATEGORY = {
    "not forecasted": "omitted",
    "omit": "omitted",
    "pipeline": "pipeline",
    "best case": "best_case",
    "best_case": "best_case",
    "commit": "commit",
    "closed won": "closed",
    "closed": "closed",
}

LIFECYCLE_STAGE = {
    "subscriber": "new",
    "lead": "new",
    "other": "new",
    "marketingqualifiedlead": "mql",
    "marketing qualified lead": "mql",
    "salesqualifiedlead": "qualified",
    "sales qualified lead": "qualified",
    "opportunity": "converted",
    "customer": "converted",
    "evangelist": "converted",
}

LEAD_STATUS = {
    "new": "new",
    "open": "mql",
    "attempted_to_contact": "accepted",
    "attempted to contact": "accepted",
    "connected": "accepted",
    "in_progress": "accepted",
    "in progress": "accepted",
    "open_deal": "converted",
    "open deal": "converted",
    "unqualified": "disqualified",
    "bad_timing": "recycled",
    "bad timing": "recycled",
}

ORIGINAL_SOURCE = {
    "organic_search": "Organic Search",
    "paid_search": "Paid Search",
    "email_marketing": "Email Marketing",
    "social_media": "Organic Social",
    "paid_social": "Paid Social",
    "referrals": "Referrals",
    "other_campaigns": "Other Campaigns",
    "direct_traffic": "Direct Traffic",
    "offline": "Offline Sources",
    "ai_referrals": "AI Referrals",
}

VALUE_MAPS: dict[str, dict[str, dict[str, str]]] = {
    "opportunities": {
        "stage": DEAL_STAGE,
        "pipeline": DEAL_PIPELINE,
        "type": DEAL_TYPE,
        "forecast_category": FORECAST_CATEGORY,
        "lead_source": ORIGINAL_SOURCE,
    },
    "leads": {"status": {**LIFECYCLE_STAGE, **LEAD_STATUS}, "source": ORIGINAL_SOURCE},
}

DEFAULTS: dict[str, dict[str, str]] = {"opportunities": {"pipeline": PIPELINE}}


def seed_pipeline(session: Session) -> None:
    """Create ``HubSpot Sales Pipeline`` with HubSpot's default stages unless it exists."""
    if pipeline_by_name(session, PIPELINE) is None:
        ensure_pipeline(session, PIPELINE, HUBSPOT_STAGES)


def hubspot_profile(spec: EntitySpec) -> Mapping:
    """The HubSpot mapping for one entity (see the module docstring for the choices)."""
    prepare = seed_pipeline if spec.name in ("opportunities", "stage_changes") else None
    return Mapping(
        name="hubspot",
        source=SOURCE,
        aliases=header_aliases(spec, COLUMNS.get(spec.name, {})),
        options=ParseOptions(dayfirst=False, time_zone="UTC"),
        flags=FLAGS,
        defaults=dict(DEFAULTS.get(spec.name, {})),
        value_maps=VALUE_MAPS.get(spec.name, {}),
        prepare=prepare,
    )


register("hubspot", hubspot_profile)
