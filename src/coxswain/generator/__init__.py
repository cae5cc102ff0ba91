"""Seeded generator of a realistic sales company, for demos and scale benchmarks."""
