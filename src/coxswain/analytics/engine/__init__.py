"""Pure analytics definitions over the canonical schema (Ibis expressions, plain Python)."""
