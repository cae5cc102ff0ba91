"""The pipelines and lost reasons a new workspace starts with, and well-known CRM pipelines.

Stage tuples are ``(name, probability %, category, forecast category)``.
"""

from __future__ import annotations

from coxswain.core.enums import ForecastCategory as FC
from coxswain.core.enums import StageCategory as SC

StageTemplate = tuple[str, int, SC, FC]

DEFAULT_PIPELINE = "Sales"

DEFAULT_STAGES: tuple[StageTemplate, ...] = (
    ("Prospecting", 10, SC.OPEN, FC.PIPELINE),
    ("Qualification", 20, SC.OPEN, FC.PIPELINE),
    ("Discovery", 35, SC.OPEN, FC.PIPELINE),
    ("Proposal", 55, SC.OPEN, FC.BEST_CASE),
    ("Negotiation", 80, SC.OPEN, FC.COMMIT),
    ("Closed Won", 100, SC.WON, FC.CLOSED),
    ("Closed Lost", 0, SC.LOST, FC.OMITTED),
)

# Salesforce's standard opportunity stages with their default probabilities.
SALESFORCE_STAGES: tuple[StageTemplate, ...] = (
    ("Prospecting", 10, SC.OPEN, FC.PIPELINE),
    ("Qualification", 10, SC.OPEN, FC.PIPELINE),
    ("Needs Analysis", 20, SC.OPEN, FC.PIPELINE),
    ("Value Proposition", 50, SC.OPEN, FC.BEST_CASE),
    ("Id. Decision Makers", 60, SC.OPEN, FC.BEST_CASE),
    ("Perception Analysis", 70, SC.OPEN, FC.BEST_CASE),
    ("Proposal/Price Quote", 75, SC.OPEN, FC.COMMIT),
    ("Negotiation/Review", 90, SC.OPEN, FC.COMMIT),
    ("Closed Won", 100, SC.WON, FC.CLOSED),
    ("Closed Lost", 0, SC.LOST, FC.OMITTED),
)

# HubSpot's default "Sales Pipeline" deal stages (labels; internal ids map onto them).
HUBSPOT_STAGES: tuple[StageTemplate, ...] = (
    ("Appointment Scheduled", 20, SC.OPEN, FC.PIPELINE),
    ("Qualified To Buy", 40, SC.OPEN, FC.PIPELINE),
    ("Presentation Scheduled", 60, SC.OPEN, FC.BEST_CASE),
    ("Decision Maker Bought-In", 80, SC.OPEN, FC.BEST_CASE),
    ("Contract Sent", 90, SC.OPEN, FC.COMMIT),
    ("Closed Won", 100, SC.WON, FC.CLOSED),
    ("Closed Lost", 0, SC.LOST, FC.OMITTED),
)

DEFAULT_LOST_REASONS: tuple[str, ...] = (
    "Price",
    "Competitor",
    "No budget",
    "No decision",
    "Timing",
    "Product fit",
    "Went dark",
)

DEFAULT_CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP", "CAD", "AUD", "JPY", "BRL")
