"""Attendance per session, completion of a cohort, and certificates."""
