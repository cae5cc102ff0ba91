"""HTML adapter: server-rendered pages (Jinja2 + HTMX, charts with vendored ECharts)."""
