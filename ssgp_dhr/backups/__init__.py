"""Backing up and restoring the service: the database and every stored document, consistent with each other."""
