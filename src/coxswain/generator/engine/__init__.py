"""Pure generation: NumPy arrays in, column tables out; no database."""
