"""Who may open this area's pages (merged into tests/core/test_pages.py, which checks every GET route)."""

EXPECTED: dict[str, dict] = {}


def url_arguments() -> dict:
    """Sample values for this area's URL parameters, taken from the demo world (the test's database)."""
    return {}
