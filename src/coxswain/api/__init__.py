"""REST API adapter (FastAPI): app factory, dependencies, error mapping, v1 routers."""
