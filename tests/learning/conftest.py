"""Helpers for the learning tests: breakout rooms made directly with the models, progress and commitments."""

import pytest


@pytest.fixture
def make_rooms(place_in_rooms):
    return place_in_rooms
