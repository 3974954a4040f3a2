"""Use cases: every function takes the acting user; roles, scoping and audit happen here."""
