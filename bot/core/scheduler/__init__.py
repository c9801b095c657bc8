"""Scheduled content: when rules, occurrences, and the exactly-once publishing service."""
