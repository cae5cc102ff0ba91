"""Currencies, dated exchange rates and the reporting currency."""
