"""Pipelines and stages (as data), lost reasons, opportunities, line items and stage history."""
