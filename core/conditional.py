"""ETags: `If-None-Match` on reads (304) and `If-Match` on writes (412)."""

import contextlib
import hashlib
import json

import falcon

from core.errors import APIError
from models import db


def _encode(data):
    """The response body of a representation, as bytes: encoded once, hashed and sent."""
    body = {"success": True, "data": data}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _tag(raw):
    return '"' + hashlib.sha256(raw).hexdigest()[:40] + '"'


def etag_of(data):
    """A strong ETag of a representation: a hash of exactly the bytes a GET sends."""
    return _tag(_encode(data))


def _listed(header, tag, weak):
    for candidate in (part.strip() for part in header.split(",")):
        if candidate == "*":
            return True
        if weak and candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate == tag:
            return True
    return False


def send(req, resp, data):
    """Answer a read with its ETag, or 304 when the client's copy is current."""
    raw = _encode(data)
    tag = _tag(raw)
    resp.set_header("ETag", tag)
    header = req.get_header("If-None-Match")
    if header is not None and _listed(header, tag, weak=True):
        resp.status = 304
        return
    resp.data = raw
    resp.content_type = falcon.MEDIA_JSON


@contextlib.contextmanager
def if_match(req, current):
    """A write transaction that first checks `If-Match` against `current()`'s ETag."""
    with db.atomic():
        header = (req.get_header("If-Match") or "").strip()  # blank: no precondition
        if header and not _listed(header, etag_of(current()), weak=False):
            raise APIError(
                412,
                "PRECONDITION_FAILED",
                "The resource changed since it was read (If-Match does not match)",
            )
        yield
