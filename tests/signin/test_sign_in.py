"""Signing in by an emailed link or 6-digit code (app/signin)."""

from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.lib.time import now_utc
from app.signin.models import EmailedToken
from tests.conftest import csrf_tokens, outbox_messages
from tests.signin.conftest import ask, link_and_code


def signed_in_as(client, email: str) -> bool:
    page = client.get("/profile")
    return page.status_code == 200 and email in page.get_data(as_text=True)


def test_the_log_in_page_offers_an_emailed_link_keeping_next(client):
    page = client.get("/login?next=/groups").get_data(as_text=True)
    assert "Email me a sign-in link" in page and 'href="/sign-in?next=/groups"' in page


def test_the_emailed_link_asks_first_and_signs_in_once(client, person):
    assert ask(client, "ANA@example.org").status_code == 302
    link, _ = link_and_code("ana@example.org")
    other_device = client.application.test_client()
    confirm = other_device.get(link)
    assert confirm.status_code == 200 and "Sign in as ana@example.org?" in confirm.get_data(as_text=True)
    assert other_device.get(link).status_code == 200  # opening it (a mail scanner) spends nothing
    assert not signed_in_as(other_device, "ana@example.org")
    held_open = client.application.test_client()  # a second browser with the confirmation page open
    held_page = held_open.get(link).get_data(as_text=True)
    answer = other_device.submit(link)
    assert answer.status_code == 302
    assert signed_in_as(other_device, "ana@example.org")
    third = client.application.test_client()
    again = third.get(link)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    second_post = held_open.post(link, data=csrf_tokens(held_page))
    assert second_post.status_code == 410 and not signed_in_as(held_open, "ana@example.org")


def test_the_code_signs_in_the_browser_that_asked_only(client, person):
    ask(client, "ana@example.org")
    _, code = link_and_code("ana@example.org")
    thief = client.application.test_client()
    ask(thief, "someone@example.org")  # a thief's own pending request, with someone else's code
    stolen = thief.submit("/sign-in/code", {"code": code})
    assert stolen.status_code == 400 and not signed_in_as(thief, "ana@example.org")
    assert client.submit("/sign-in/code", {"code": code}).status_code == 302
    assert signed_in_as(client, "ana@example.org")


def test_wrong_codes_are_counted_and_five_burn_the_request(client, person):
    ask(client, "ana@example.org")
    _, code = link_and_code("ana@example.org")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    first = client.submit("/sign-in/code", {"code": wrong})
    assert first.status_code == 400 and "not right" in first.get_data(as_text=True)
    for _ in range(3):
        client.submit("/sign-in/code", {"code": wrong})
    burnt = client.submit("/sign-in/code", {"code": wrong})
    assert burnt.status_code == 410 and "Too many wrong codes" in burnt.get_data(as_text=True)
    assert client.submit("/sign-in/code", {"code": code}).status_code == 410
    assert not signed_in_as(client, "ana@example.org")


def test_a_code_that_is_not_six_digits_is_refused_plainly(client, person):
    ask(client, "ana@example.org")
    for bad in ("12345", "abcdef", "１２３４５６", "1234567"):
        answer = client.submit("/sign-in/code", {"code": bad})
        assert answer.status_code == 400 and "6 digits" in answer.get_data(as_text=True)


def test_the_code_page_without_asking_sends_back_to_asking(client):
    assert client.get("/sign-in/code").headers["Location"].endswith("/sign-in")


def test_link_and_code_expire_after_fifteen_minutes(client, person):
    ask(client, "ana@example.org")
    link, code = link_and_code("ana@example.org")
    row = db.session.scalar(sa.select(EmailedToken))
    row.expires_at = now_utc() - timedelta(seconds=1)  # as if 15 minutes had passed
    db.session.commit()
    expired = client.get(link)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert "Ask for a new link" in expired.get_data(as_text=True)
    assert client.submit("/sign-in/code", {"code": code}).status_code == 410


def test_a_new_request_replaces_the_old_one(client, person):
    ask(client, "ana@example.org")
    old_link, _ = link_and_code("ana@example.org")
    ask(client, "ana@example.org")
    assert client.get(old_link).status_code == 404


def test_bad_links_get_a_clear_page_and_a_4xx(client):
    tokens = csrf_tokens(client.get("/sign-in").get_data(as_text=True))
    for path, status in (
        ("/sign-in/short", 400),
        ("/sign-in/" + "!" * 43, 400),
        ("/sign-in/" + "é" * 43, 400),
        ("/sign-in/" + "a" * 44, 400),
        ("/sign-in/" + "a" * 43, 404),
    ):
        answer = client.get(path)
        assert answer.status_code == status, path
        assert "Signing in did not work" in answer.get_data(as_text=True)
        assert client.post(path, data=tokens).status_code == status


def test_known_and_unknown_addresses_get_the_same_answer_and_no_smtp(client, person, monkeypatch):
    import smtplib

    def no_smtp(*args, **kwargs):
        raise AssertionError("SMTP during the request")

    monkeypatch.setattr(smtplib, "SMTP", no_smtp)
    answers = []
    for address in ("ana@example.org", "nobody@example.org"):
        browser = client.application.test_client()
        asked = ask(browser, address)
        page = browser.get(asked.headers["Location"])
        answers.append((asked.status_code, asked.headers["Location"], page.status_code, _without_csrf(page)))
    assert answers[0] == answers[1]
    assert [m.to_address for m in outbox_messages()] == ["ana@example.org"]  # queued, not sent inline


def _without_csrf(page) -> str:
    text = page.get_data(as_text=True)
    for token in csrf_tokens(text).values():
        text = text.replace(token, "")
    return text


def test_the_email_holds_no_secret_in_its_subject_and_the_database_no_token(client, person):
    ask(client, "ana@example.org")
    link, code = link_and_code("ana@example.org")
    message = outbox_messages()[-1]
    assert code not in message.subject
    row = db.session.scalar(sa.select(EmailedToken))
    assert link.rsplit("/", 1)[1] not in (row.token_hash, row.code_hash) and code not in row.code_hash


def test_two_step_sign_in_is_still_asked(client, person):
    person.totp_secret, person.totp_enabled_at = "JBSWY3DPEHPK3PXP", now_utc()
    db.session.commit()
    ask(client, "ana@example.org")
    link, _ = link_and_code("ana@example.org")
    answer = client.submit(link)
    assert answer.headers["Location"].endswith("/login/code")
    assert client.get("/profile").status_code == 302


def test_next_is_kept_to_an_invitation_by_link_and_by_code(client, person):
    target = "/invitations/some-token"
    ask(client, "ana@example.org", target)
    link, _ = link_and_code("ana@example.org")
    assert client.application.test_client().submit(link).headers["Location"].endswith(target)
    ask(client, "ana@example.org", target)
    _, code = link_and_code("ana@example.org")
    assert client.submit("/sign-in/code", {"code": code}).headers["Location"].endswith(target)


def test_an_unsafe_next_is_dropped(client, person):
    ask(client, "ana@example.org", "https://evil.example/")
    link, _ = link_and_code("ana@example.org")
    location = client.submit(link).headers["Location"]
    assert "evil" not in location


def test_purge_deletes_expired_and_used_requests(client, person, runner):
    ask(client, "ana@example.org")
    link, _ = link_and_code("ana@example.org")
    client.application.test_client().submit(link)
    result = runner.invoke(args=["sign-in", "purge"])
    assert "Deleted 1" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EmailedToken)) == 0
