"""Pure matching: normalise domains and company names, find accounts and duplicate leads."""
