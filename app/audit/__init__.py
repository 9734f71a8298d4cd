"""The audit log: who did what sensitive thing, and when (visible to administrators)."""
