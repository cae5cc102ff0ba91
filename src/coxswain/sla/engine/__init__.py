"""Pure SLA engine: business calendars, policy selection, milestone clocks and compliance."""
