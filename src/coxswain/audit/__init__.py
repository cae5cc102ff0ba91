"""What changed, when and by whom: the audit trail, ownership history and import runs."""
