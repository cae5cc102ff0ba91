"""First-run set-up of a workspace: currencies, the default pipeline, lost reasons."""
