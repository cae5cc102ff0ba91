"""Scoring: calibrated win-probability (opportunities) and conversion (leads) models."""
