"""Stylesheets and scripts that browsers keep for a year instead of asking again on every page.

On a slow, distant connection each "has this file changed?" costs a round trip before the page can be drawn. So
`url_for("static", ...)` adds `?v=` with a digest of the file's content, and a request carrying it is answered
with a year-long, immutable cache lifetime: a changed file gets a new address, so nobody keeps an old copy.
Requests without `v` (someone typing the address) keep Flask's usual revalidation.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, request

ONE_YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    digests: dict[str, tuple[float, str]] = {}  # filename -> (modification time, digest)

    def version_of(filename: str) -> str | None:
        path = Path(app.static_folder or "", filename)
        try:
            modified = path.stat().st_mtime
        except OSError:
            return None
        known = digests.get(filename)
        if known is None or known[0] != modified:
            known = (modified, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
            digests[filename] = known
        return known[1]

    @app.url_defaults
    def add_static_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = version_of(values["filename"])
            if version:
                values["v"] = version

    def send_file_max_age(filename: str | None) -> int | None:
        return ONE_YEAR if request.args.get("v") else None

    app.get_send_file_max_age = send_file_max_age  # type: ignore[method-assign]

    @app.after_request
    def mark_immutable(response: Response) -> Response:
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            response.cache_control.immutable = True
        return response
