"""ETags: `If-None-Match` on reads (304) and `If-Match` on writes (412)."""

import contextlib
import hashlib
import json

from core.errors import APIError
from models import db


def etag_of(data):
    """A strong ETag of a representation (its canonical JSON)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return '"' + hashlib.sha256(text.encode("utf-8")).hexdigest()[:40] + '"'


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
    tag = etag_of(data)
    resp.set_header("ETag", tag)
    header = req.get_header("If-None-Match")
    if header is not None and _listed(header, tag, weak=True):
        resp.status = 304
        return
    resp.media = {"success": True, "data": data}


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
