"""Leads and their lifecycle: new → MQL → accepted → qualified → converted (or dropped)."""
