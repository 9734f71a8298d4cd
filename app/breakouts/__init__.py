"""Breakout rooms: generation, the trainer's assignment page, exports and meeting links."""
