"""One access-log line per request, plain text or JSON lines; never a secret."""

import json
import logging
import re
import time
import urllib.parse

log = logging.getLogger("upstream.access")
SECRET_KEYS = re.compile(r"token|password|secret|key|auth|code|signature", re.I)
FIELDS = ("method", "path", "status", "duration_ms", "request_id", "user_id")


def safe_target(req):
    """The path and query string with the values of secret-looking parameters masked."""
    if not req.query_string:
        return req.path
    pairs = urllib.parse.parse_qsl(req.query_string, keep_blank_values=True)
    shown = [(k, "***" if SECRET_KEYS.search(k) else v) for k, v in pairs]
    return req.path + "?" + urllib.parse.urlencode(shown, safe="*")


class AccessLog:
    """Middleware (outermost): times the request and logs it when the response is ready."""

    def process_request(self, req, resp):
        req.context.started = time.perf_counter()

    def process_response(self, req, resp, resource, req_succeeded):
        started = getattr(req.context, "started", None)
        duration = (time.perf_counter() - started) * 1000 if started else 0.0
        user = getattr(req.context, "user", None)
        fields = {
            "method": req.method,
            "path": safe_target(req),
            "status": resp.status_code,
            "duration_ms": round(duration, 1),
            "request_id": getattr(req.context, "request_id", "-"),
            "user_id": user.id if user is not None else None,
        }
        log.info(
            "%s %s %s %.1fms request=%s user=%s",
            fields["method"],
            fields["path"],
            fields["status"],
            fields["duration_ms"],
            fields["request_id"],
            fields["user_id"] or "-",
            extra={"access": fields},
        )


class JsonFormatter(logging.Formatter):
    """Each record as one JSON object; access lines carry their fields."""

    def format(self, record):
        body = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
        }
        access = getattr(record, "access", None)
        if access:
            body.update(access)
        else:
            body["message"] = record.getMessage()
        if record.exc_info:
            body["error"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False)


def configure(json_lines=False, level=logging.INFO):
    """Log to stderr: plain text, or JSON lines with `json_lines`."""
    handler = logging.StreamHandler()
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
