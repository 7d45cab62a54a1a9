"""Generic health records: one way to create, list, update, delete and bulk-ingest a user's
rows (used by readings and lifestyle)."""
