"""Calling the WSGI app in-process, as a client would, without a server."""

import json

from webob import Request

PASSWORD = "correct horse battery staple"


def call(app, method, path, token=None, body=None, ip="127.0.0.1"):
    """One request through the app; returns the webob response."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    raw = json.dumps(body).encode() if body is not None else None
    request = Request.blank(path, method=method, headers=headers, body=raw)
    if raw is not None:
        request.content_type = "application/json"
    request.environ["REMOTE_ADDR"] = ip
    return request.get_response(app)


def login(app, email):
    """(access token, refresh token) of a Scale Co account."""
    data = call(app, "POST", "/api/v1/auth/login", body={"email": email, "password": PASSWORD})
    tokens = data.json["data"]
    return tokens["accessToken"], tokens["refreshToken"]
