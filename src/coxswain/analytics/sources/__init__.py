"""Source adapters: the canonical analytics tables from the app database or extracts."""
