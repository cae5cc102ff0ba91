"""Typer adapter: one sub-app or command module per domain; thin (parse, call a service, render)."""
