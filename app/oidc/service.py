"""What signing in through an identity provider does to accounts: which account a provider's answer opens, when it
may be linked, creating an account, removing a link, and the ways in each person has.

The rules (docs/SECURITY.md, "Signing in through an identity provider"):
- a known (issuer, subject) signs its account in; nothing else about the answer (not the email) is trusted for that;
- an unknown subject is linked to an existing account only with proof the person holds that account: they are
  signed in to it already, or they confirm from an email sent to its address;
- an address the provider does not call verified never links and never signs into an existing account;
- a verified address nobody uses creates a new, passwordless account.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import User, normalise_email
from app.accounts.service import find_user_by_email
from app.audit import service as audit
from app.lib import languages
from app.lib.errors import DomainError
from app.lib.security import hash_token
from app.lib.text import clean_name
from app.lib.time import now_utc
from app.lib.urls import external_url, is_safe_redirect
from app.notifications.service import queue_email
from app.oidc.models import LinkedIdentity, PendingIdentityLink
from app.oidc.providers import Provider

LINK_CONFIRM_MINUTES = 60
_NAME_MAX = 120
_TOKEN_MIN, _TOKEN_MAX = 20, 100


class UnverifiedEmail(DomainError):
    status_code = 403


class TooManyConfirmations(DomainError):
    """The account's address was sent as many link confirmations as its limit allows for now."""

    status_code = 429


@dataclass(frozen=True)
class Outcome:
    """What the callback does next. kind: "sign_in" (a known identity), "created" (a new account), "linked" (to the
    signed-in account), "already_linked", "confirmation_sent" (to `email`)."""

    kind: str
    user: User | None = None
    email: str = ""


def email_is_verified(claims: dict) -> bool:
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def find_identity(session: so.Session, issuer: str, subject: str) -> LinkedIdentity | None:
    return session.scalar(
        sa.select(LinkedIdentity).where(LinkedIdentity.issuer == issuer, LinkedIdentity.subject == subject)
    )


def identities_of(session: so.Session, user: User) -> list[LinkedIdentity]:
    return list(
        session.scalars(
            sa.select(LinkedIdentity).where(LinkedIdentity.user_id == user.id).order_by(LinkedIdentity.created_at)
        )
    )


def _claim_text(claims: dict, name: str, limit: int = 255) -> str:
    value = claims.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def link(session: so.Session, user: User, provider: Provider, claims: dict) -> LinkedIdentity:
    issuer, subject = _claim_text(claims, "iss"), _claim_text(claims, "sub")
    existing = find_identity(session, issuer, subject)
    if existing is not None and existing.user_id != user.id:
        raise DomainError(
            _(
                "This %(provider)s account already signs in to another Plenary account. Remove it there first.",
                provider=provider.display_name,
            )
        )
    if existing is not None:
        return existing
    identity = LinkedIdentity(
        user_id=user.id,
        provider=provider.name,
        issuer=issuer,
        subject=subject,
        email_at_link=normalise_email(_claim_text(claims, "email", 254)),
    )
    session.add(identity)
    session.flush()
    audit.record(session, user, "account.identity_linked", f"user {user.id}", provider=provider.name)
    return identity


def _create_account(session: so.Session, provider: Provider, claims: dict, email: str) -> User:
    name = clean_name(_claim_text(claims, "name") or _claim_text(claims, "given_name") or email.split("@")[0])
    # In the language the person is using as they arrive (their pick or their browser's).
    locale = languages.known(str(get_locale() or "")) or languages.DEFAULT_LANGUAGE
    user = User(email=email, name=name[:_NAME_MAX] or email[:_NAME_MAX], timezone="UTC", locale=locale)
    session.add(user)
    session.flush()
    audit.record(session, user, "account.created_by_provider", f"user {user.id}", provider=provider.name)
    link(session, user, provider, claims)
    return user


def handle_callback(
    session: so.Session,
    provider: Provider,
    claims: dict,
    *,
    signed_in: User | None,
    linking: bool,
    next_url: str,
    may_email: Callable[[User], bool] = lambda _user: True,
) -> Outcome:
    """Decide what a verified provider answer does (see the module's rules). Raises DomainError to refuse.

    `may_email(account)` is asked before a link confirmation is emailed to an existing account (the caller's rate
    limit per account): when it says no, TooManyConfirmations (429) and nothing is sent."""
    identity = find_identity(session, _claim_text(claims, "iss"), _claim_text(claims, "sub"))
    email = normalise_email(_claim_text(claims, "email", 254))
    if linking and signed_in is not None:
        if identity is not None and identity.user_id == signed_in.id:
            return Outcome("already_linked", signed_in)
        link(session, signed_in, provider, claims)  # refuses an identity that opens another account
        return Outcome("linked", signed_in)
    if identity is not None:
        identity.last_used_at = now_utc()
        return Outcome("sign_in", identity.user)
    if signed_in is not None:
        if email_is_verified(claims) and email == signed_in.email:
            link(session, signed_in, provider, claims)
            return Outcome("linked", signed_in)
        raise DomainError(
            _(
                "You are signed in as %(email)s. To sign in with %(provider)s there, link it from your profile.",
                email=signed_in.email,
                provider=provider.display_name,
            )
        )
    if not email_is_verified(claims) or "@" not in _claim_text(claims, "email", 254):
        raise UnverifiedEmail(
            _(
                "%(provider)s did not confirm your email address, so we cannot tell which Plenary account is yours. "
                "Sign in another way (your password or an emailed link), then link %(provider)s from your profile.",
                provider=provider.display_name,
            )
        )
    owner = find_user_by_email(session, email)
    if owner is None:
        return Outcome("created", _create_account(session, provider, claims, email))
    if not may_email(owner):
        raise TooManyConfirmations(
            _(
                "We have already emailed %(email)s several links to confirm a sign-in provider. Use the latest one, "
                "or try again later. Your other ways in still work.",
                email=owner.email,
            )
        )
    send_link_confirmation(session, owner, provider, claims, next_url)
    return Outcome("confirmation_sent", owner, email)


def send_link_confirmation(session: so.Session, user: User, provider: Provider, claims: dict, next_url: str) -> None:
    """Email the account's own address a single-use link that links this provider account once confirmed."""
    token = secrets.token_urlsafe(32)
    session.add(
        PendingIdentityLink(
            token_hash=hash_token(token),
            user_id=user.id,
            provider=provider.name,
            issuer=_claim_text(claims, "iss"),
            subject=_claim_text(claims, "sub"),
            email=user.email,
            next_url=next_url if is_safe_redirect(next_url) else "",
            expires_at=now_utc() + timedelta(minutes=LINK_CONFIRM_MINUTES),
        )
    )
    session.flush()
    queue_email(
        session,
        to=user.email,
        locale=user.locale,
        subject=_l("Link %(provider)s to your Plenary account?", provider=provider.display_name),
        template="oidc/email/confirm_link",
        kind="identity_link_confirm",
        name=user.name,
        provider=provider.display_name,
        minutes=LINK_CONFIRM_MINUTES,
        link=external_url("oidc.confirm_link", token=token),
    )


def find_pending_link(session: so.Session, token: str) -> PendingIdentityLink:
    pending = None
    if _TOKEN_MIN <= len(token or "") <= _TOKEN_MAX:
        pending = session.scalar(
            sa.select(PendingIdentityLink).where(PendingIdentityLink.token_hash == hash_token(token))
        )
    if pending is None:
        raise DomainError(_("This link is not valid or was already used. Sign in with the provider again."))
    if pending.expires_at <= now_utc():
        raise DomainError(_("This link has expired. Sign in with the provider again to get a new one."))
    return pending


def confirm_link(session: so.Session, token: str, provider: Provider | None) -> tuple[User, str]:
    """Spend the emailed token (once) and make the link; returns the account and where the person was going."""
    pending = find_pending_link(session, token)
    user, next_url = pending.user, pending.next_url
    claims = {"iss": pending.issuer, "sub": pending.subject, "email": pending.email}
    session.delete(pending)
    session.flush()
    if provider is None:
        raise DomainError(_("This provider is no longer offered here. Sign in another way."))
    if user.email != pending.email:
        raise DomainError(_("This account's address changed since the link was sent. Sign in with the provider again."))
    link(session, user, provider, claims)
    return user, next_url


def other_ways_in(session: so.Session, user: User, without: LinkedIdentity | None = None) -> int:
    """How many ways in the account keeps (a password, each linked provider, and, with sign-in by email on, an
    address Plenary has seen the person confirm: an emailed link or code then signs them in; docs/SECURITY.md)."""
    identities = [i for i in identities_of(session, user) if without is None or i.id != without.id]
    by_email = current_app.config.get("SIGN_IN_BY_EMAIL", True) and user.email_confirmed_at is not None
    return int(bool(user.password_hash)) + len(identities) + int(by_email)


def unlink(session: so.Session, user: User, identity_id: int) -> LinkedIdentity:
    identity = session.get(LinkedIdentity, identity_id)
    if identity is None or identity.user_id != user.id:
        raise DomainError(_("That provider is not linked to your account."))
    if other_ways_in(session, user, without=identity) == 0:
        raise DomainError(
            _(
                'This is your only way to sign in. Choose a password ("Forgot your password?" on the log-in page '
                'sends a link), link another provider, or sign in once by "Email me a sign-in link" to confirm your '
                "address, then remove this one."
            )
        )
    session.delete(identity)
    session.flush()
    audit.record(session, user, "account.identity_unlinked", f"user {user.id}", provider=identity.provider)
    return identity


@dataclass(frozen=True)
class WaysIn:
    """One person's ways in, as the administrators' page shows them. `email_confirmed`: Plenary has seen the person
    read mail at the address (a sign-up link or code, an emailed sign-in, an address change); `by_email`: an emailed
    link or code signs them in (the address is confirmed and sign-in by email is on)."""

    user: User
    password: bool
    two_factor: bool
    providers: list[str]
    email_confirmed: bool
    by_email: bool


def ways_in_of_everyone(session: so.Session, providers: dict[str, Provider]) -> list[WaysIn]:
    """Per person, which ways in exist: never a secret, a hash or a provider's subject."""
    by_user: dict[int, list[str]] = {}
    for identity in session.scalars(sa.select(LinkedIdentity).order_by(LinkedIdentity.created_at)):
        known = providers.get(identity.provider)
        by_user.setdefault(identity.user_id, []).append(known.display_name if known else identity.provider)
    email_on = bool(current_app.config.get("SIGN_IN_BY_EMAIL", True))
    return [
        WaysIn(
            user,
            password=bool(user.password_hash),
            two_factor=user.has_two_factor,
            providers=by_user.get(user.id, []),
            email_confirmed=user.email_confirmed_at is not None,
            by_email=email_on and user.email_confirmed_at is not None,
        )
        for user in session.scalars(sa.select(User).order_by(User.name, User.id))
    ]
