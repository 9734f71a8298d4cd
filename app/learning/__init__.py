"""What participants do between and during sessions: their home page, reading progress, commitments."""
