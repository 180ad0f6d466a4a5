"""Run reports: report.json (the record), report.md (for a person)."""
