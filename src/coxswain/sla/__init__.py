"""The marketing-to-sales handoff: lead lifecycle after routing, SLA clocks and escalations."""
