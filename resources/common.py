"""Helpers every resource uses to read input and write the envelope."""

import falcon

from core.middleware import MAX_BODY
from core.middleware import too_large
from core.validation import check
from core.validation import check_query
from core.validation import parse_json
from core.visibility import Viewer


def read_body(req, schema):
    """The request body, parsed and validated against `schema/<schema>.json`."""
    raw = getattr(req.context, "raw_body", None)  # already read for an Idempotency-Key
    if raw is None:
        raw = req.bounded_stream.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise too_large()
    return check(schema, parse_json(raw))


def read_query(req, schema):
    """The query string, validated (and coerced) against `schema/<schema>.json`."""
    return check_query(schema, dict(req.params))


def ok(resp, data, status=200):
    """Answer with the success envelope."""
    resp.status = falcon.code_to_http_status(status)
    resp.media = {"success": True, "data": data}


def viewer(req):
    """The caller, as visibility rules see them."""
    return Viewer.of(req.context)
