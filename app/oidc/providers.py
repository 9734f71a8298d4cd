"""The identity providers this deployment offers, read from its settings once, at start-up.

Presets: GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET, MICROSOFT_CLIENT_ID / MICROSOFT_CLIENT_SECRET (+ MICROSOFT_TENANT,
default "common"). Any further provider: OIDC_PROVIDER_<NAME>="issuer|client id|secret|Display name". A badly formed
setting stops the start with a ConfigError that says what to fix, rather than a failure on someone's first click.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from app.config import ConfigError

PREFIX = "OIDC_PROVIDER_"
_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_TENANT_RE = re.compile(r"^[A-Za-z0-9.-]{1,64}$")
# Multi-tenant Microsoft endpoints publish "https://login.microsoftonline.com/{tenantid}/v2.0" as the issuer: each
# ID token names its tenant in `tid`, and its `iss` must be this template filled with that tenant.
MICROSOFT_TENANT_PLACEHOLDER = "{tenantid}"
SETTING_NAMES = ("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "MICROSOFT_CLIENT_ID", "MICROSOFT_CLIENT_SECRET")
OTHER_SETTINGS = ("MICROSOFT_TENANT", "OIDC_REQUIRE_PROVIDER_FOR_STAFF", "OIDC_HTTP_TIMEOUT")


@dataclass(frozen=True)
class Provider:
    name: str  # in URLs and settings: lower case
    display_name: str
    issuer: str  # what ID tokens must carry in `iss` (may hold {tenantid} for Microsoft's shared endpoints)
    client_id: str
    client_secret: str = field(repr=False)  # never in a log line or an error page

    @property
    def metadata_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    @property
    def is_multi_tenant(self) -> bool:
        return MICROSOFT_TENANT_PLACEHOLDER in self.issuer

    def expected_issuer(self, claims: Mapping) -> str:
        """The `iss` an ID token must carry: for a multi-tenant endpoint, the template filled with its `tid`."""
        if self.is_multi_tenant:
            return self.issuer.replace(MICROSOFT_TENANT_PLACEHOLDER, str(claims.get("tid") or "-"))
        return self.issuer


@dataclass(frozen=True)
class MicrosoftProvider(Provider):
    tenant: str = "common"

    @property
    def metadata_url(self) -> str:
        return f"https://login.microsoftonline.com/{self.tenant}/v2.0/.well-known/openid-configuration"


def settings_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The provider settings found in the environment (read by create_app; a test mapping may override them)."""
    environ = os.environ if environ is None else environ
    names = (*SETTING_NAMES, *OTHER_SETTINGS)
    return {k: v for k, v in environ.items() if k in names or (k.startswith(PREFIX) and len(k) > len(PREFIX))}


def _check_url(setting: str, issuer: str) -> str:
    parts = urlsplit(issuer)
    local = parts.hostname in {"localhost", "127.0.0.1", "::1"}
    if parts.scheme not in ({"https", "http"} if local else {"https"}) or not parts.hostname or parts.query:
        raise ConfigError(
            f"{setting}: the issuer must be an https:// address such as https://id.example.org/realms/main "
            f"(http:// only on localhost), not {issuer!r}."
        )
    return issuer.rstrip("/")


def _required(setting: str, value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        raise ConfigError(f"{setting} is empty. Set it, or unset the provider's other settings.")
    return value


def _preset_google(config: Mapping) -> Provider | None:
    client_id, secret = config.get("GOOGLE_CLIENT_ID"), config.get("GOOGLE_CLIENT_SECRET")
    if not client_id and not secret:
        return None
    return Provider(
        name="google",
        display_name="Google",
        issuer="https://accounts.google.com",
        client_id=_required("GOOGLE_CLIENT_ID", client_id),
        client_secret=_required("GOOGLE_CLIENT_SECRET", secret),
    )


def _preset_microsoft(config: Mapping) -> Provider | None:
    client_id, secret = config.get("MICROSOFT_CLIENT_ID"), config.get("MICROSOFT_CLIENT_SECRET")
    if not client_id and not secret:
        return None
    tenant = (config.get("MICROSOFT_TENANT") or "common").strip()
    if not _TENANT_RE.match(tenant):
        raise ConfigError(f"MICROSOFT_TENANT must be common, organizations, consumers or a tenant id, not {tenant!r}.")
    shared = tenant in {"common", "organizations", "consumers"}
    issuer_tenant = MICROSOFT_TENANT_PLACEHOLDER if shared else tenant
    return MicrosoftProvider(
        name="microsoft",
        display_name="Microsoft",
        issuer=f"https://login.microsoftonline.com/{issuer_tenant}/v2.0",
        client_id=_required("MICROSOFT_CLIENT_ID", client_id),
        client_secret=_required("MICROSOFT_CLIENT_SECRET", secret),
        tenant=tenant,
    )


def _custom(setting: str, value: str) -> Provider:
    name = setting[len(PREFIX) :].lower().replace("_", "-")
    if not _NAME_RE.match(name) or name in {"google", "microsoft"}:
        raise ConfigError(
            f"{setting}: the part after {PREFIX} names the provider in addresses: letters, digits and _ "
            "(at most 32), starting with a letter, and not GOOGLE or MICROSOFT (their presets have own settings)."
        )
    parts = [part.strip() for part in (value or "").split("|")]
    if len(parts) != 4 or not all(parts):
        raise ConfigError(
            f'{setting} must be four parts separated by "|": issuer|client id|client secret|Display name '
            f"(found {len(parts)} part(s), or an empty one)."
        )
    issuer, client_id, secret, display = parts
    return Provider(
        name=name,
        display_name=display[:60],
        issuer=_check_url(setting, issuer),
        client_id=client_id,
        client_secret=secret,
    )


def providers_from_config(config: Mapping) -> dict[str, Provider]:
    """Every configured provider by name, in the order buttons show them. Raises ConfigError on a bad setting."""
    found = [p for p in (_preset_google(config), _preset_microsoft(config)) if p]
    for setting in sorted(k for k in config if k.startswith(PREFIX) and len(k) > len(PREFIX)):
        found.append(_custom(setting, config[setting]))
    providers = {p.name: p for p in found}
    required = (config.get("OIDC_REQUIRE_PROVIDER_FOR_STAFF") or "").strip().lower()
    if required and required not in providers:
        raise ConfigError(
            f"OIDC_REQUIRE_PROVIDER_FOR_STAFF names {required!r}, which is not a configured provider "
            f"(configured: {', '.join(providers) or 'none'})."
        )
    return providers
