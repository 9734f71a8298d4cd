"""Talking to identity providers, through Authlib's Flask client: discovery, the authorization code flow with
PKCE (S256), `state` and `nonce`, and the ID token's verification (signature against the provider's JWKS, iss, aud,
exp, nonce) are Authlib's. This module only adds what Authlib leaves to the caller: an ID token is required, its
issuer and audience are pinned to the configuration, and every failure becomes a ProviderFailed with a message a
person can read (never a token, a code or a secret)."""

from __future__ import annotations

import logging

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from flask_babel import gettext as _
from joserfc.errors import JoseError

from app.oidc.providers import Provider, providers_from_config, settings_from_environment

log = logging.getLogger("plenary.oidc")
SCOPE = "openid email profile"
DEFAULT_TIMEOUT = 10  # seconds for each call to a provider (discovery, keys, token)


class ProviderFailed(Exception):
    """The sign-in through a provider did not work. `status`: 400 for a request that cannot be right (a forged or
    stale callback), 502 when the provider failed or answered something that cannot be trusted."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def init_app(app: Flask) -> None:
    """Read the providers (a bad setting stops the start here) and register one Authlib client for each."""
    for key, value in settings_from_environment().items():
        app.config.setdefault(key, value)
    providers = providers_from_config(app.config)
    timeout = float(app.config.get("OIDC_HTTP_TIMEOUT") or DEFAULT_TIMEOUT)
    oauth = OAuth(app)
    for provider in providers.values():
        oauth.register(
            name=provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.metadata_url,
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "default_timeout": timeout},
        )
    app.extensions["plenary_oidc"] = {"providers": providers, "oauth": oauth}


def configured_providers() -> dict[str, Provider]:
    return current_app.extensions["plenary_oidc"]["providers"]


def provider_named(name: str) -> Provider | None:
    return configured_providers().get(name)


def _client(provider: Provider):
    return current_app.extensions["plenary_oidc"]["oauth"].create_client(provider.name)


def _unreachable(provider: Provider) -> ProviderFailed:
    return ProviderFailed(
        _(
            "%(provider)s did not answer. Try again in a few minutes, or sign in another way.",
            provider=provider.display_name,
        ),
        502,
    )


def authorization_redirect(provider: Provider, redirect_uri: str, **extra):
    """The redirect to the provider's sign-in page; Authlib keeps state, nonce and the PKCE verifier in the session."""
    try:
        return _client(provider).authorize_redirect(redirect_uri, **extra)
    except (requests.RequestException, ValueError, AuthlibBaseError, RuntimeError) as error:
        log.warning("identity provider %s: discovery failed (%s)", provider.name, type(error).__name__)
        raise _unreachable(provider) from error


def _claims_options(provider: Provider) -> dict:
    return {
        "iss": {"essential": True, "validate": lambda claims, value: value == provider.expected_issuer(claims)},
        "aud": {"essential": True, "values": [provider.client_id]},
        "exp": {"essential": True},
        "sub": {"essential": True},
    }


def verified_claims(provider: Provider) -> dict:
    """Finish the code flow on the callback: the ID token's claims once Authlib has checked state, exchanged the code
    (with the PKCE verifier) and verified the token. Raises ProviderFailed."""
    try:
        token = _client(provider).authorize_access_token(claims_options=_claims_options(provider), leeway=60)
    except (requests.RequestException, ValueError) as error:  # down, timed out, or not JSON (an HTML page)
        log.warning("identity provider %s: token request failed (%s)", provider.name, type(error).__name__)
        raise ProviderFailed(
            _(
                "%(provider)s did not answer properly. Try again in a few minutes, or sign in another way.",
                provider=provider.display_name,
            ),
            502,
        ) from error
    except (AuthlibBaseError, JoseError) as error:
        raise _explain(provider, error) from error
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):  # Authlib verifies an ID token only when there is one: require it
        log.warning("identity provider %s: answered without an ID token", provider.name)
        raise ProviderFailed(
            _("%(provider)s did not say who you are. Sign in another way.", provider=provider.display_name), 502
        )
    return dict(claims)


def _explain(provider: Provider, error: Exception) -> ProviderFailed:
    code = getattr(error, "error", "") or type(error).__name__
    log.warning("identity provider %s: sign-in refused (%s)", provider.name, code)
    if code == "mismatching_state":
        return ProviderFailed(
            _("This sign-in link is stale or was not started here. Start again from the log-in page.")
        )
    if code in {"access_denied", "login_required", "consent_required", "interaction_required"}:
        return ProviderFailed(
            _("You did not finish signing in at %(provider)s. Nothing was changed.", provider=provider.display_name)
        )
    if code in {"invalid_grant", "invalid_request", "missing_token"}:
        return ProviderFailed(_("This sign-in was already used or has expired. Start again from the log-in page."))
    if isinstance(error, JoseError):
        return ProviderFailed(
            _(
                "The answer from %(provider)s could not be verified, so it was not trusted. Sign in another way.",
                provider=provider.display_name,
            ),
            502,
        )
    return ProviderFailed(
        _(
            "Signing in with %(provider)s did not work. Start again, or sign in another way.",
            provider=provider.display_name,
        )
    )
