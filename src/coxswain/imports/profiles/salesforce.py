"""The ``salesforce`` profile: report exports (column labels) and Data Loader exports (API names).

One profile reads both kinds of file: a report's ``Opportunity Owner`` and a Data Loader
``OwnerId`` feed the same field. When a file has several columns for one field, the first one
listed below wins (IDs before names: an ID cannot be ambiguous).

Choices:

- Dates are read month first (``3/4/2024`` is 4 March 2024), Salesforce's US default; ISO dates
  and API timestamps (``2024-01-10T15:42:11.000+0000``) are read as such. Date-times without an
  offset are taken as UTC.
- ``Close Date`` is the expected close date; for a closed stage the writer uses it as the
  close date. ``Created Date`` is ``opened_on`` for deals and ``received_at`` for leads.
- Owners may be IDs or full names; unknown owners are created as users (``create_missing_owners``),
  so import users first when you can. Unknown accounts named by a deal are created, as are
  stages the pipeline lacks (appended after the standard ones).
- Deals land in the ``Salesforce`` pipeline unless the file has a ``Pipeline`` column. Before the
  first opportunity import that pipeline is created with Salesforce's ten standard stages, in
  their standard order and probabilities (an existing ``Salesforce`` pipeline is left alone).
- ``Type``: New Customer/New Business → new_business; Existing Customer - Upgrade, Upsell,
  Expansion, Add-On → upsell; Existing Customer - Replacement/Downgrade, Renewal → renewal.
- ``Forecast Category``: Pipeline, Best Case, Most Likely (→ best_case), Commit (API value
  ``Forecast``), Closed, Omitted.
- ``Lead Status``: Open - Not Contacted → mql (handed to sales, not yet worked); Working -
  Contacted → accepted; Closed - Converted → converted; Closed - Not Converted → disqualified;
  common custom values are mapped too (see ``LEAD_STATUS``).
- Activities (Task and Event exports): the subtype gives the type (a blank or missing one is a
  task); ``Status``/``IsClosed`` gives ``completed``. ``WhoId``/``WhatId`` are polymorphic and
  are not mapped; ``AccountId`` is.
- Entities without Salesforce columns here (teams, products, stages ...) use native headers.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from coxswain.imports.engine.mapping import Mapping, header_aliases
from coxswain.imports.engine.parsing import ParseOptions
from coxswain.imports.engine.schema import EntitySpec
from coxswain.imports.profiles import register
from coxswain.opportunities.defaults import SALESFORCE_STAGES
from coxswain.opportunities.pipelines import ensure_pipeline, pipeline_by_name

SOURCE = "salesforce"
PIPELINE = "Salesforce"
FLAGS = frozenset(
    {
        "create_missing_owners",
        "create_missing_stages",
        "create_missing_accounts",
        "synthesize_history",
    }
)

# entity → native field → source headers, best first (report labels and API names alike).
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "opportunities": {
        "external_id": ("Opportunity ID", "Id"),
        "name": ("Opportunity Name", "Name"),
        "account": ("Account ID", "AccountId", "Account Name", "Account.Name"),
        "owner": ("Owner ID", "OwnerId", "Opportunity Owner", "Owner.Name", "Owner Name"),
        "pipeline": ("Pipeline",),
        "stage": ("Stage", "StageName", "Stage Name"),
        "amount": ("Amount",),
        "currency": ("Amount Currency", "Opportunity Currency", "CurrencyIsoCode", "Currency"),
        "probability": ("Probability (%)",),
        "forecast_category": ("Forecast Category", "ForecastCategoryName", "ForecastCategory"),
        "type": ("Type", "Opportunity Type"),
        "lead_source": ("Lead Source", "LeadSource"),
        "lost_reason": ("Loss Reason", "Lost Reason", "Closed Lost Reason", "Loss_Reason__c"),
        "opened_on": ("Created Date", "CreatedDate", "Create Date"),
        "expected_close_on": ("Close Date", "CloseDate"),
        "next_step": ("Next Step", "NextStep"),
        "description": ("Description",),
    },
    "accounts": {
        "external_id": ("Account ID", "Id"),
        "name": ("Account Name", "Name"),
        "owner": ("Owner ID", "OwnerId", "Account Owner", "Owner.Name"),
        "industry": ("Industry",),
        "annual_revenue": ("Annual Revenue", "AnnualRevenue"),
        "annual_revenue_currency": (
            "Annual Revenue Currency",
            "Account Currency",
            "CurrencyIsoCode",
        ),
        "employees": ("Employees", "NumberOfEmployees", "No. of Employees"),
        "website": ("Website",),
        "city": ("Billing City", "BillingCity"),
        "state": ("Billing State/Province", "BillingState", "Billing State"),
        "postal_code": ("Billing Zip/Postal Code", "BillingPostalCode"),
        "country": ("Billing Country", "BillingCountry"),
        "parent": ("Parent Account ID", "ParentId", "Parent Account", "Parent.Name"),
        "year_established": ("Year Started", "YearStarted"),
    },
    "contacts": {
        "external_id": ("Contact ID", "Id"),
        "first_name": ("First Name", "FirstName"),
        "last_name": ("Last Name", "LastName"),
        "email": ("Email",),
        "phone": ("Phone", "Business Phone", "Mobile", "MobilePhone"),
        "title": ("Title",),
        "account": ("Account ID", "AccountId", "Account Name", "Account.Name"),
        "owner": ("Owner ID", "OwnerId", "Contact Owner", "Owner.Name"),
    },
    "leads": {
        "external_id": ("Lead ID", "Id"),
        "first_name": ("First Name", "FirstName"),
        "last_name": ("Last Name", "LastName"),
        "title": ("Title",),
        "company": ("Company / Account", "Company"),
        "email": ("Email",),
        "phone": ("Phone", "Mobile", "MobilePhone"),
        "website": ("Website",),
        "industry": ("Industry",),
        "employees": ("No. of Employees", "NumberOfEmployees", "Employees"),
        "city": ("City",),
        "state": ("State/Province", "State"),
        "postal_code": ("Zip/Postal Code", "PostalCode"),
        "country": ("Country",),
        "source": ("Lead Source", "LeadSource"),
        "status": ("Lead Status", "Status"),
        "owner": ("Owner ID", "OwnerId", "Lead Owner", "Owner.Name"),
        "received_at": ("Create Date", "Created Date", "CreatedDate"),
        "converted_at": ("Converted Date", "ConvertedDate"),
        "converted_account": ("Converted Account ID", "ConvertedAccountId", "Converted Account"),
    },
    "users": {
        "external_id": ("User ID", "Id"),
        "full_name": ("Full Name", "Name"),
        "email": ("Email",),
        "title": ("Title",),
        "manager": ("Manager ID", "ManagerId", "Manager"),
        "is_active": ("Active", "IsActive"),
        "time_zone": ("TimeZoneSidKey",),
    },
    "activities": {
        "external_id": ("Activity ID", "Task ID", "Event ID", "Id"),
        "type": ("TaskSubtype", "Task Subtype", "EventSubtype", "Event Subtype", "Type"),
        "subject": ("Subject",),
        "occurred_at": (
            "ActivityDateTime",
            "StartDateTime",
            "CompletedDateTime",
            "ActivityDate",
            "Date",
            "Due Date",
            "CreatedDate",
            "Created Date",
        ),
        "duration_minutes": ("DurationInMinutes", "Duration"),
        "completed": ("IsClosed", "Closed", "Status"),
        "owner": ("Owner ID", "OwnerId", "Assigned", "Assigned To", "Owner.Name"),
        "account": ("Account ID", "AccountId"),
    },
}

OPPORTUNITY_TYPE = {
    "new customer": "new_business",
    "new business": "new_business",
    "new logo": "new_business",
    "existing customer - upgrade": "upsell",
    "existing business": "upsell",
    "upgrade": "upsell",
    "upsell": "upsell",
    "expansion": "upsell",
    "add-on business": "upsell",
    "add-on": "upsell",
    "cross-sell": "upsell",
    "existing customer - replacement": "renewal",
    "existing customer - downgrade": "renewal",
    "renewal": "renewal",
}

FORECAST_CATEGORY = {
    "pipeline": "pipeline",
    "best case": "best_case",
    "bestcase": "best_case",
    "most likely": "best_case",
    "mostlikely": "best_case",
    "commit": "commit",
    "forecast": "commit",
    "closed": "closed",
    "omitted": "omitted",
}

LEAD_STATUS = {
    "open - not contacted": "mql",
    "working - contacted": "accepted",
    "closed - converted": "converted",
    "closed - not converted": "disqualified",
    "open": "mql",
    "working": "accepted",
    "contacted": "accepted",
    "marketing qualified": "mql",
    "sales accepted": "accepted",
    "sales qualified": "qualified",
    "qualified": "qualified",
    "unqualified": "disqualified",
    "not converted": "disqualified",
    "nurturing": "recycled",
    "nurture": "recycled",
}

TASK_TYPE = {
    "task": "task",
    "call": "call",
    "email": "email",
    "listemail": "email",
    "list email": "email",
    "cadence": "task",
    "linkedin": "task",
    "event": "meeting",
    "meeting": "meeting",
    "other": "task",
    "send letter": "task",
    "send quote": "task",
}

TASK_COMPLETED = {
    "completed": "true",
    "closed": "true",
    "not started": "false",
    "in progress": "false",
    "open": "false",
    "waiting on someone else": "false",
    "deferred": "false",
}

VALUE_MAPS: dict[str, dict[str, dict[str, str]]] = {
    "opportunities": {"type": OPPORTUNITY_TYPE, "forecast_category": FORECAST_CATEGORY},
    "leads": {"status": LEAD_STATUS},
    "activities": {"type": TASK_TYPE, "completed": TASK_COMPLETED},
}

DEFAULTS: dict[str, dict[str, str]] = {
    "opportunities": {"pipeline": PIPELINE},
    "activities": {"type": "task"},
}


def seed_pipeline(session: Session) -> None:
    """Create the ``Salesforce`` pipeline with the standard stages unless it already exists."""
    if pipeline_by_name(session, PIPELINE) is None:
        ensure_pipeline(session, PIPELINE, SALESFORCE_STAGES)


def salesforce_profile(spec: EntitySpec) -> Mapping:
    """The Salesforce mapping for one entity (see the module docstring for the choices)."""
    prepare = seed_pipeline if spec.name in ("opportunities", "stage_changes") else None
    return Mapping(
        name="salesforce",
        source=SOURCE,
        aliases=header_aliases(spec, COLUMNS.get(spec.name, {})),
        options=ParseOptions(dayfirst=False, time_zone="UTC"),
        flags=FLAGS,
        defaults=dict(DEFAULTS.get(spec.name, {})),
        value_maps=VALUE_MAPS.get(spec.name, {}),
        prepare=prepare,
    )


register("salesforce", salesforce_profile)
