"""Sales analytics: KPI definitions, funnel and bottleneck reports on every engine.

Layout:

- ``engine/``  pure definitions: the canonical analytics schema, periods, filters, KPIs as
  Ibis expressions, the funnel and the bottleneck analysis (no database, no clock).
- ``sources/`` adapters that build the canonical tables from the application database
  (SQLite, PostgreSQL) or from CSV/Parquet extracts (DuckDB, PySpark).
- ``service.py`` use cases the CLI calls: KPIs, funnel, bottlenecks, the dashboard.
- ``report/``  renderers: terminal rows, XLSX and the self-contained HTML dashboard.
"""
