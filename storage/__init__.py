"""Persistence: tables, engine and sessions, migrations, file store, hash-chained audit log."""
