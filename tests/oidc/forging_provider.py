"""A tiny OpenID provider of our own on loopback, for answers a real provider must never give: an ID token for
another audience, an expired one, one signed with a key it does not publish, a token endpoint answering HTML.
Real HTTP (werkzeug's server in a thread); tokens signed with joserfc, the JOSE library Authlib itself uses."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

PUBLISHED_KEY = RSAKey.generate_key(2048, parameters={"kid": "published"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "published"})  # same kid, not the published key


class ForgingProvider:
    def __init__(self):
        self.mode = "good"  # good | wrong_iss | wrong_aud | expired | other_key | html | no_id_token
        self.client_id = "plenary-test"
        self.nonces: dict[str, str] = {}
        self.server = make_server("localhost", 0, self.wsgi, threaded=True)
        self.url = f"http://localhost:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def restart(self):
        """Serve again on the same port after `server.shutdown()` (a provider back from an outage)."""
        self.server.server_close()
        self.server = make_server("localhost", int(self.url.rsplit(":", 1)[1]), self.wsgi, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def __exit__(self, *exc):
        self.server.shutdown()

    def wsgi(self, environ, start_response):
        request = Request(environ)
        handler = {
            "/.well-known/openid-configuration": self.discovery,
            "/jwks": self.jwks,
            "/authorize": self.authorize,
            "/token": self.token,
        }.get(request.path)
        response = handler(request) if handler else Response("not found", 404)
        return response(environ, start_response)

    def discovery(self, request):
        return self._json(
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "subject_types_supported": ["public"],
            }
        )

    def jwks(self, request):
        return self._json({"keys": [PUBLISHED_KEY.as_dict(private=False)]})

    def authorize(self, request):
        code = f"code-{len(self.nonces)}"
        self.nonces[code] = request.args.get("nonce", "")
        query = urlencode({"code": code, "state": request.args.get("state", "")})
        return Response(status=302, headers={"Location": f"{request.args['redirect_uri']}?{query}"})

    def token(self, request):
        if self.mode == "html":
            return Response("<html><body>Maintenance</body></html>", 200, mimetype="text/html")
        now = int(time.time())
        claims = {
            "iss": "https://someone-else.example" if self.mode == "wrong_iss" else self.url,
            "sub": "forged-subject",
            "aud": "someone-else" if self.mode == "wrong_aud" else self.client_id,
            "iat": now - 7200 if self.mode == "expired" else now,
            "exp": now - 3600 if self.mode == "expired" else now + 300,
            "nonce": self.nonces.get(request.form.get("code", ""), ""),
            "email": "admin@plenary.example",
            "email_verified": True,
        }
        if self.mode == "wrong_aud":  # with `azp` naming us, so only the audience check can catch it
            claims["azp"] = self.client_id
        key = OTHER_KEY if self.mode == "other_key" else PUBLISHED_KEY
        body = {"access_token": "at", "token_type": "Bearer", "expires_in": 300}
        if self.mode != "no_id_token":
            body["id_token"] = jwt.encode({"alg": "RS256", "kid": "published"}, claims, key)
        return self._json(body)

    @staticmethod
    def _json(data):
        return Response(json.dumps(data), 200, mimetype="application/json")
