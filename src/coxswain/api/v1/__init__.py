"""Version 1 of the REST API: one router per domain, all authenticated except the token call."""
