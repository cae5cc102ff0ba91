"""Coxswain: the sales operations platform (pipeline of record, routing, forecasting, analytics)."""

__version__ = "0.1.0"
