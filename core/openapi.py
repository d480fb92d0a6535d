"""The OpenAPI 3.1 document, built at start-up from the same `schema/` files that validate."""

import copy
import functools

from core.operations import OPERATIONS
from core.validation import load

BEARER = [{"bearerAuth": []}]
ID_PARAM = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
}
ERROR_TEXT = {
    304: "Not modified: the representation still matches `If-None-Match`.",
    400: "`VALIDATION_ERROR` (each offending field in `details`), or a domain rule's 400.",
    401: "`UNAUTHORIZED`: missing, invalid, expired or revoked token.",
    403: "`FORBIDDEN`: the token's user is not a member of its organization.",
    404: "`NOT_FOUND`: does not exist, or not visible to the caller.",
    409: (
        "`CONFLICT`: a uniqueness rule, or an `Idempotency-Key` reused with another body "
        "or still in flight."
    ),
    412: "`PRECONDITION_FAILED`: `If-Match` names a stale representation; nothing was written.",
    413: "`PAYLOAD_TOO_LARGE`: the body exceeds 1 MiB.",
    429: "`RATE_LIMITED`: wait the seconds of `Retry-After`.",
    500: "`INTERNAL_ERROR`: unexpected; safe to retry with back-off.",
    503: "`SERVICE_UNAVAILABLE`: the database cannot be reached.",
}


def _statuses(op):
    codes = {op.status, 400, 500} | op.extra
    if op.auth:
        codes |= {401, 403, 429}
    if "{id}" in op.path or op.body:
        codes.add(404)
    if op.body:
        codes.add(413)
    if op.auth and op.method == "post":
        codes.add(409)
    if op.cached:
        codes.add(304)
    if op.conditional:
        codes.add(412)
    return sorted(codes)


def _request_schema(name):
    schema = copy.deepcopy(load(name))
    schema.pop("$schema", None)
    return schema


def _parameters(op, components):
    params = []
    if "{id}" in op.path:
        params.append(ID_PARAM)
    if op.query:
        query = _request_schema(op.query)
        for key, sub in query.get("properties", {}).items():
            param = {"name": key, "in": "query", "required": False, "schema": sub}
            if "description" in sub:
                param["description"] = sub["description"]
            params.append(param)
    if op.auth and op.method == "post":
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Replays the first response for 24 h for the same user and body.",
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 255,
                    "pattern": "^[\\x20-\\x7e]+$",
                },
            }
        )
    if op.cached:
        params.append(
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
            }
        )
    if op.conditional:
        params.append(
            {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"}}
        )
    return params


def _responses(op):
    responses = {}
    for code in _statuses(op):
        if code == op.status:
            data = {"$ref": f"#/components/schemas/{op.data}"}
            envelope = {
                "type": "object",
                "properties": {"success": {"const": True}, "data": data},
                "required": ["success", "data"],
                "additionalProperties": False,
            }
            headers = {}
            if op.cached:
                headers["ETag"] = {
                    "schema": {"type": "string"},
                    "description": "Strong validator of this representation.",
                }
            responses[str(code)] = {
                "description": op.summary,
                "content": {"application/json": {"schema": envelope}},
            }
            if headers:
                responses[str(code)]["headers"] = headers
        elif code == 304:
            responses["304"] = {"description": ERROR_TEXT[304]}
        else:
            error = {"$ref": "#/components/schemas/Error"}
            entry = {
                "description": ERROR_TEXT[code],
                "content": {"application/json": {"schema": error}},
            }
            if code == 429:
                entry["headers"] = {
                    "Retry-After": {
                        "schema": {"type": "integer"},
                        "description": "Seconds to wait.",
                    }
                }
            responses[str(code)] = entry
    return responses


def _operation(op, components):
    """The operation object; request body schemas join `components` as `<Title>Body`."""
    body = {
        "operationId": op.op_id,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _parameters(op, components),
        "responses": _responses(op),
    }
    if op.description:
        body["description"] = op.description
    if not op.auth:
        body["security"] = []
    if op.body:
        schema = _request_schema(op.body)
        name = schema.get("title", op.body) + "Body"
        components[name] = schema
        media = {"schema": {"$ref": f"#/components/schemas/{name}"}}
        if schema.get("examples"):
            media["example"] = schema["examples"][0]
        body["requestBody"] = {"required": True, "content": {"application/json": media}}
    return body


def _extra_paths():
    """The documentation routes themselves."""
    html = {"description": "Swagger UI", "content": {"text/html": {"schema": {"type": "string"}}}}
    return {
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This OpenAPI document",
                "tags": ["System"],
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/docs": {
            "get": {
                "operationId": "getDocs",
                "summary": "Interactive documentation (Swagger UI)",
                "tags": ["System"],
                "security": [],
                "responses": {"200": html},
            }
        },
        "/docs/{asset}": {
            "get": {
                "operationId": "getDocsAsset",
                "summary": "A static asset of the interactive documentation",
                "tags": ["System"],
                "security": [],
                "parameters": [
                    {"name": "asset", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "The asset",
                        "content": {
                            "application/javascript": {"schema": {"type": "string"}},
                            "text/css": {"schema": {"type": "string"}},
                            "image/png": {"schema": {"type": "string", "format": "binary"}},
                        },
                    },
                    "404": {
                        "description": ERROR_TEXT[404],
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                },
            }
        },
    }


@functools.cache
def document():
    """The whole OpenAPI 3.1 document (built once)."""
    components = copy.deepcopy(load("responses")["components"])
    paths = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op, components)
    paths.update(_extra_paths())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Upstream CRM API",
            "version": "1.0.0",
            "description": (
                "A JSON REST API for pipelines, deals, contacts, activities and activity "
                "templates inside an Upstream organization. Every response is the envelope "
                "`{success, data}` or `{success: false, error, code, details}`."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": BEARER,
        "tags": [{"name": name} for name in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }
