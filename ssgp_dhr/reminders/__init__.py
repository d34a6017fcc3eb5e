"""Deadline reminders: by e-mail from `flask dhr send-reminders`, and as notifications on My work."""
