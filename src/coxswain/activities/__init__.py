"""Sales activities: calls, e-mails, meetings and tasks, with when and how long."""
