"""The error envelope: one error class, one shape, built in one place."""

import logging

import falcon
from peewee import DoesNotExist

log = logging.getLogger("upstream")


class APIError(Exception):
    """An error the API answers with the documented envelope."""

    def __init__(self, status, code, message, details=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


def validation_error(details, message="Validation failed"):
    """400 VALIDATION_ERROR with a list of `{path, message}`."""
    return APIError(400, "VALIDATION_ERROR", message, details=details)


def invalid(path, message):
    """400 VALIDATION_ERROR about one field."""
    return validation_error([{"path": path, "message": message}])


def not_found(message="Not found"):
    """404 NOT_FOUND: does not exist, or the caller may not see it."""
    return APIError(404, "NOT_FOUND", message)


def unauthorized(message="Invalid or expired token"):
    """401 UNAUTHORIZED."""
    return APIError(401, "UNAUTHORIZED", message)


def forbidden(message="Not a member of this organization"):
    """403 FORBIDDEN."""
    return APIError(403, "FORBIDDEN", message)


def conflict(message, details=None):
    """409 CONFLICT."""
    return APIError(409, "CONFLICT", message, details=details)


def error_body(code, message, details=None):
    """The envelope of a failed request."""
    body = {"success": False, "error": message, "code": code}
    if details is not None:
        body["details"] = details
    return body


def _write(resp, status, body, headers=None):
    resp.status = falcon.code_to_http_status(status)
    resp.media = body
    resp.content_type = falcon.MEDIA_JSON
    for name, value in (headers or {}).items():
        resp.set_header(name, value)


def handle_api_error(req, resp, ex, params):
    """Render an APIError."""
    _write(resp, ex.status, error_body(ex.code, ex.message, ex.details), ex.headers)


_HTTP_CODES = {
    400: ("VALIDATION_ERROR", "Bad request"),
    404: ("NOT_FOUND", "Not found"),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed"),
    413: ("PAYLOAD_TOO_LARGE", "Request body exceeds 1 MiB"),
}


def handle_http_error(req, resp, ex, params):
    """Render Falcon's own errors (unknown route, 405, ...) as the envelope."""
    status = ex.status_code
    code, message = _HTTP_CODES.get(status, (None, None))
    if code is None:
        code = "INTERNAL_ERROR" if status >= 500 else "BAD_REQUEST"
        message = ex.title or "Request failed"
    if status == 405:
        message = f"Method {req.method} not allowed on this path"
    headers = dict(ex.headers or {})
    _write(resp, status, error_body(code, message), headers)


def handle_not_found(req, resp, ex, params):
    """A model lookup that found nothing is a 404, like any invisible record."""
    _write(resp, 404, error_body("NOT_FOUND", "Not found"))


def handle_unexpected(req, resp, ex, params):
    """Anything else: 500 with no internals; the traceback goes to the log."""
    if isinstance(ex, falcon.HTTPError):
        return handle_http_error(req, resp, ex, params)
    if isinstance(ex, APIError):
        return handle_api_error(req, resp, ex, params)
    request_id = getattr(req.context, "request_id", "-")
    log.error("unhandled error (request %s)", request_id, exc_info=ex)
    _write(resp, 500, error_body("INTERNAL_ERROR", "Internal server error"))


def register(app):
    """Install the handlers on a Falcon app (most generic first)."""
    app.add_error_handler(Exception, handle_unexpected)
    app.add_error_handler(DoesNotExist, handle_not_found)
    app.add_error_handler(falcon.HTTPError, handle_http_error)
    app.add_error_handler(APIError, handle_api_error)
