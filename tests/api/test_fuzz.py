"""The public API, fuzzed from its own OpenAPI document (schemathesis): whatever is sent, no 500, and every response
matches the document (status codes, content types, bodies).

Each operation's cases come from `APIOperation.as_strategy()` and run under Hypothesis here (schemathesis' own
pytest plugin does not load on pytest 9).
"""

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from app.demo.data import load_demo
from app.extensions import db

# The same examples on every run, so CI is repeatable; FUZZ_RANDOM=1 explores new ones (run it locally, often).
DERANDOMIZE = not os.environ.get("FUZZ_RANDOM")
EXAMPLES_PER_OPERATION = 60
FUZZED = {"calls": 0}


@pytest.fixture
def api_schema(app, synced_courses):
    load_demo(db.session)  # real courses and cohorts, so generated ids and slugs sometimes hit something
    db.session.commit()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_the_document_lists_every_api_route(app, api_schema):
    def shape(path: str) -> str:  # parameter names aside: /api/v1/cohorts/{} both ways
        return re.sub(r"[{<][^}>]*[}>]", "{}", path)

    documented = {shape(op.ok().path) for op in api_schema.get_all_operations()}
    routes = {
        shape(r.rule) for r in app.url_map.iter_rules() if r.rule.startswith("/api/") and r.endpoint != "api.openapi"
    }
    assert routes == documented


def test_api_never_fails_and_always_matches_its_document(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert operations
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=DERANDOMIZE,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            FUZZED["calls"] += 1
            case.call_and_validate()

        fuzz()
    assert FUZZED["calls"] >= len(operations) * 10
