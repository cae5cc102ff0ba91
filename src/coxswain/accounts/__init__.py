"""Accounts (companies, with a parent hierarchy) and their contacts."""
