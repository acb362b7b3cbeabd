"""The project timeline (Flow Inspector): the project's events from the audit ledger, in words, and a burn-up chart
of microsteps done over time."""
