"""Shared breakout notes with revisions, the room's roles and the report-back board."""
