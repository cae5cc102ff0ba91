"""Who may see and do what: passwords, sessions, API tokens, roles and row-level visibility."""
