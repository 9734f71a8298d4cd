"""Shared helpers with no domain knowledge: time, Markdown, email transport, errors."""
