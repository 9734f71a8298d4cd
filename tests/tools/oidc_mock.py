"""oidc-provider-mock (PyPI) in its own process on a free loopback port: a real OpenID provider for tests
(discovery, JWKS, authorize, token; `PUT /users/{sub}` sets a subject's claims). Its own process, because its
Authlib server code warns, and the suite turns warnings into errors."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from tests.tools.live_server import free_port


@contextmanager
def mock_provider_process() -> Iterator[str]:
    """Start the provider; yield its issuer URL (http://127.0.0.1:<port>); stop it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--host", "127.0.0.1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _attempt in range(150):
            try:
                if requests.get(f"{url}/.well-known/openid-configuration", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise RuntimeError("oidc-provider-mock did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def set_claims(provider_url: str, sub: str, **claims) -> None:
    requests.put(f"{provider_url}/users/{sub}", json=claims, timeout=5).raise_for_status()
