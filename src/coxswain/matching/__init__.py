"""Lead-to-account matching and lead duplicates, run before routing."""
