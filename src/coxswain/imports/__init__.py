"""Import and export: CSV/XLSX/Parquet readers, mapping profiles, idempotent upserts, rejects."""
