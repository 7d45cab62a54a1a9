"""Alerts: rules, episodes, snoozes, deliveries and the real-time channel (docs/alerts.md)."""
