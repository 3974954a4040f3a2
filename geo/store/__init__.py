"""Persistence: the tables, the one engine, and reading and writing frames."""
