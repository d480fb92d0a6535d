"""Idempotency keys on authenticated POSTs: replay the first response for 24 hours."""

import datetime as dt
import hashlib
import json

import falcon

from core.errors import conflict
from core.errors import invalid
from core.middleware import MAX_BODY
from core.middleware import too_large
from models import IdempotencyKey
from models import db

TTL = dt.timedelta(hours=24)


def _valid(key):
    return 1 <= len(key) <= 255 and all(0x20 <= ord(c) <= 0x7E for c in key)


class Idempotency:
    """Middleware: same user, key and request within 24 h gets the first response again."""

    def __init__(self, clock):
        self.clock = clock

    def process_resource(self, req, resp, resource, params):
        if req.method != "POST" or req.context.user is None or resp.complete:
            return
        key = req.get_header("Idempotency-Key")
        if key is None or not hasattr(resource, "on_post"):
            return
        if not _valid(key):
            raise invalid("Idempotency-Key", "Must be 1-255 printable ASCII characters")
        raw = req.bounded_stream.read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            raise too_large()
        req.context.raw_body = raw
        # The organization is part of the request: the same key and body sent in another
        # organization (after switching) is another request, never a replay.
        scope = f"{req.context.org.id}\n{req.path}\n".encode()
        digest = hashlib.sha256(scope + raw).hexdigest()
        user_id = req.context.user.id
        now = self.clock()
        with db.atomic():
            IdempotencyKey.delete().where(IdempotencyKey.expires_at < now).execute()
            row = IdempotencyKey.get_or_none(
                (IdempotencyKey.user == user_id) & (IdempotencyKey.key == key)
            )
            if row is None:
                IdempotencyKey.create(
                    user=user_id, key=key, fingerprint=digest, created_at=now, expires_at=now + TTL
                )
                req.context.idempotency = (user_id, key)
                return
        if row.fingerprint != digest:
            raise conflict("This Idempotency-Key was already used with a different request")
        if row.status_code is None:
            raise conflict("A request with this Idempotency-Key is still in progress")
        resp.status = falcon.code_to_http_status(row.status_code)
        resp.text = row.response_body
        resp.content_type = falcon.MEDIA_JSON
        resp.set_header("Idempotent-Replayed", "true")
        resp.complete = True

    def process_response(self, req, resp, resource, req_succeeded):
        entry = getattr(req.context, "idempotency", None)
        if entry is None:
            return
        user_id, key = entry
        match = (IdempotencyKey.user == user_id) & (IdempotencyKey.key == key)
        if resp.status_code >= 500:
            IdempotencyKey.delete().where(match).execute()  # let the client retry for real
            return
        body = json.dumps(resp.media, ensure_ascii=False) if resp.media is not None else resp.text
        IdempotencyKey.update(status_code=resp.status_code, response_body=body).where(
            match
        ).execute()
