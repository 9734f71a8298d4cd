"""One set of rules for an emailed 6-digit code, shared by signing in and signing up (app/lib/security.py)."""

from datetime import timedelta

import pytest

from app.lib.security import (
    EMAILED_CODE_MINUTES,
    EMAILED_CODE_WRONG_MAX,
    CodeCheck,
    check_emailed_code,
    emailed_code_hash,
    hash_token,
    new_emailed_code,
)
from app.lib.time import now_utc

SALT = hash_token("the link sent beside the code")


@pytest.fixture
def issued():
    code, code_hash = new_emailed_code(SALT)
    return code, code_hash


def _check(typed, code_hash, *, minutes_ago=0, wrong_tries=0, **extra):
    return check_emailed_code(
        typed,
        salt=SALT,
        code_hash=code_hash,
        issued_at=now_utc() - timedelta(minutes=minutes_ago),
        wrong_tries=wrong_tries,
        **extra,
    )


def _wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_new_code_is_six_digits_and_only_its_salted_hash_is_stored(issued):
    code, code_hash = issued
    assert len(code) == 6 and code.isdigit()
    assert code not in code_hash and code_hash == emailed_code_hash(SALT, code)
    assert code_hash != emailed_code_hash(hash_token("another link"), code)


def test_the_right_code_is_right_even_with_spaces(issued):
    code, code_hash = issued
    assert _check(code, code_hash) is CodeCheck.RIGHT
    assert _check(f" {code[:3]} {code[3:]} ", code_hash) is CodeCheck.RIGHT
    assert _check(code, code_hash, minutes_ago=EMAILED_CODE_MINUTES - 1) is CodeCheck.RIGHT


def test_a_wrong_code_is_wrong_until_the_last_try_spends_it(issued):
    code, code_hash = issued
    for tries in range(EMAILED_CODE_WRONG_MAX - 1):
        assert _check(_wrong(code), code_hash, wrong_tries=tries) is CodeCheck.WRONG
    assert _check(_wrong(code), code_hash, wrong_tries=EMAILED_CODE_WRONG_MAX - 1) is CodeCheck.WRONG_AND_SPENT


def test_after_five_wrong_tries_even_the_right_code_is_spent(issued):
    code, code_hash = issued
    assert EMAILED_CODE_WRONG_MAX == 5
    assert _check(code, code_hash, wrong_tries=5) is CodeCheck.SPENT
    assert _check(code, code_hash, used=True) is CodeCheck.SPENT


def test_a_code_expires_fifteen_minutes_after_it_was_issued_or_at_its_own_end(issued):
    code, code_hash = issued
    assert EMAILED_CODE_MINUTES == 15
    assert _check(code, code_hash, minutes_ago=15) is CodeCheck.EXPIRED
    assert _check(code, code_hash, expires_at=now_utc() - timedelta(seconds=1)) is CodeCheck.EXPIRED


def test_anything_but_six_ascii_digits_is_malformed_before_anything_else(issued):
    _code, code_hash = issued
    for bad in ("", None, "12345", "1234567", "abcdef", "１２３４５６"):
        assert _check(bad, code_hash, wrong_tries=9, minutes_ago=99) is CodeCheck.MALFORMED
