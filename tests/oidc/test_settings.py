"""Provider settings: presets, any number of further providers, and a clear error at start-up for a bad one."""

import pytest

from app import create_app
from app.config import ConfigError
from app.oidc.providers import providers_from_config
from tests.conftest import test_config as config_for_tests


def test_the_presets_and_a_further_provider():
    providers = providers_from_config(
        {
            "GOOGLE_CLIENT_ID": "g-id",
            "GOOGLE_CLIENT_SECRET": "g-secret",
            "MICROSOFT_CLIENT_ID": "m-id",
            "MICROSOFT_CLIENT_SECRET": "m-secret",
            "OIDC_PROVIDER_UNION_SSO": "https://id.union.example/realms/main/|u-id|u-secret|Union SSO",
        }
    )
    assert list(providers) == ["google", "microsoft", "union-sso"]
    google, microsoft, union = providers.values()
    assert google.metadata_url == "https://accounts.google.com/.well-known/openid-configuration"
    assert microsoft.metadata_url == "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
    assert union.metadata_url == "https://id.union.example/realms/main/.well-known/openid-configuration"
    assert union.display_name == "Union SSO"
    assert "u-secret" not in repr(union) and "m-secret" not in repr(microsoft) and "g-secret" not in str(providers)


def test_microsofts_shared_endpoint_checks_the_issuer_of_each_tenant():
    (microsoft,) = providers_from_config({"MICROSOFT_CLIENT_ID": "m", "MICROSOFT_CLIENT_SECRET": "s"}).values()
    tid = "9188040d-6c67-4c5b-b112-36a304b66dad"
    assert microsoft.expected_issuer({"tid": tid}) == f"https://login.microsoftonline.com/{tid}/v2.0"
    assert microsoft.expected_issuer({}) != microsoft.issuer  # no tenant: matches no real token
    (single,) = providers_from_config(
        {"MICROSOFT_CLIENT_ID": "m", "MICROSOFT_CLIENT_SECRET": "s", "MICROSOFT_TENANT": tid}
    ).values()
    assert single.expected_issuer({"tid": "another"}) == f"https://login.microsoftonline.com/{tid}/v2.0"
    assert single.metadata_url.startswith(f"https://login.microsoftonline.com/{tid}/v2.0/")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"OIDC_PROVIDER_X": "https://id.example|id|secret"}, "four parts"),
        ({"OIDC_PROVIDER_X": "https://id.example|id||Name"}, "four parts"),
        ({"OIDC_PROVIDER_X": "http://id.example|id|secret|Name"}, "https://"),
        ({"OIDC_PROVIDER_X": "id.example|id|secret|Name"}, "https://"),
        ({"OIDC_PROVIDER_GOOGLE": "https://id.example|id|secret|Name"}, "not GOOGLE"),
        ({"OIDC_PROVIDER_B@D": "https://id.example|id|secret|Name"}, "letters, digits"),
        ({"GOOGLE_CLIENT_ID": "only-the-id"}, "GOOGLE_CLIENT_SECRET is empty"),
        ({"MICROSOFT_CLIENT_ID": "m", "MICROSOFT_CLIENT_SECRET": "s", "MICROSOFT_TENANT": "a/b"}, "MICROSOFT_TENANT"),
        ({"OIDC_REQUIRE_PROVIDER_FOR_STAFF": "google"}, "not a configured provider"),
    ],
)
def test_a_badly_formed_setting_stops_the_start_with_a_clear_error(tmp_path, settings, message):
    with pytest.raises(ConfigError, match=message) as raised:
        create_app(config_for_tests(f"sqlite:///{tmp_path / 'x.db'}", **settings))
    assert "secret" not in str(raised.value).replace("client secret", "").replace("_SECRET", "")


def test_settings_are_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("OIDC_PROVIDER_COALITION", "https://sso.coalition.example|c-id|c-secret|Coalition")
    app = create_app(config_for_tests(f"sqlite:///{tmp_path / 'x.db'}"))
    assert list(app.extensions["plenary_oidc"]["providers"]) == ["coalition"]


def test_hostile_settings_are_refused_quickly():
    """The provider settings' patterns are anchored and without nested repetition: a huge value is refused at once."""
    import time

    started = time.perf_counter()
    for settings in (
        {"OIDC_PROVIDER_" + "A" * 100_000: "https://id.example|i|s|N"},
        {"MICROSOFT_CLIENT_ID": "m", "MICROSOFT_CLIENT_SECRET": "s", "MICROSOFT_TENANT": "a" * 100_000 + "/"},
    ):
        with pytest.raises(ConfigError):
            providers_from_config(settings)
    assert time.perf_counter() - started < 0.5
