"""Pure import engine: read tables, map columns, parse values. No database."""
