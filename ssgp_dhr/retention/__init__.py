"""Keeping case files for the retention period, and disposing of them afterwards."""
