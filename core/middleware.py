"""Middleware, in order (see create_app): access log, request id, body limit, database,
auth, rate limits, then idempotency keys (core/idempotency.py)."""

import re
import uuid

import falcon

from core.errors import APIError
from core.errors import unauthorized
from models import db

MAX_BODY = 1024 * 1024
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def too_large():
    """413 PAYLOAD_TOO_LARGE."""
    return APIError(413, "PAYLOAD_TOO_LARGE", "Request body exceeds 1 MiB")


def _handles(resource, method):
    """True when the resource has its own responder for this method."""
    return resource is not None and hasattr(resource, "on_" + method.lower())


class RequestId:
    """Give every request an id (the client's, if sane) and echo it back."""

    def process_request(self, req, resp):
        given = req.get_header("X-Request-Id")
        req.context.request_id = given if given and _SANE_ID.match(given) else uuid.uuid4().hex
        req.context.user = None

    def process_response(self, req, resp, resource, req_succeeded):
        resp.set_header("X-Request-Id", req.context.request_id)
        empty = resp.media is None and resp.text is None and resp.data is None
        if empty and resp.stream is None and resp.status_code != 304:
            # Falcon's own OPTIONS answer has no body: give it the envelope too.
            resp.media = {"success": True, "data": {}}
            resp.content_type = falcon.MEDIA_JSON


class BodyLimit:
    """Refuse bodies over 1 MiB before anything reads them."""

    def process_request(self, req, resp):
        length = req.content_length
        if length is not None and length > MAX_BODY:
            raise too_large()


class Database:
    """A connection per request: opened by the first query, closed with the response."""

    def process_response(self, req, resp, resource, req_succeeded):
        if not db.is_closed():
            db.close()


class Auth:
    """Bearer access tokens on every route whose resource does not say `auth = False`."""

    def __init__(self, sessions):
        self.sessions = sessions

    def process_resource(self, req, resp, resource, params):
        if not _handles(resource, req.method) or getattr(resource, "auth", True) is False:
            return
        header = req.get_header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("Missing bearer token")
        user, org, membership, session_id = self.sessions.authenticate(token.strip())
        req.context.user = user
        req.context.org = org
        req.context.membership = membership
        req.context.session_id = session_id


def client_ip(req, trusted_proxy):
    """The client's address: the socket peer, or X-Forwarded-For from the trusted proxy."""
    peer = req.remote_addr
    if trusted_proxy and peer == trusted_proxy:
        forwarded = req.get_header("X-Forwarded-For") or ""
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return peer


class RateLimit:
    """Token buckets: per IP on the auth routes that name a policy, per user elsewhere."""

    def __init__(self, limiter, trusted_proxy):
        self.limiter = limiter
        self.trusted_proxy = trusted_proxy

    def process_resource(self, req, resp, resource, params):
        if not _handles(resource, req.method):
            return
        policy = getattr(resource, "rate_limit", None)
        if policy is not None:
            key = client_ip(req, self.trusted_proxy)
        elif req.context.user is not None:
            policy, key = "user", req.context.user.id
        else:
            return
        allowed, remaining, reset, retry = self.limiter.hit(policy, key)
        capacity, window = self.limiter.policies[policy]
        headers = {
            "RateLimit-Policy": f'"{policy}";q={capacity};w={window}',
            "RateLimit": f'"{policy}";r={remaining};t={reset}',
        }
        if not allowed:
            headers["Retry-After"] = str(retry)
            raise APIError(
                429,
                "RATE_LIMITED",
                f"Too many requests; retry after {retry} seconds",
                headers=headers,
            )
        req.context.rate_headers = headers

    def process_response(self, req, resp, resource, req_succeeded):
        for name, value in getattr(req.context, "rate_headers", {}).items():
            resp.set_header(name, value)
