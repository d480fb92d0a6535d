"""Response conformance: every response a test receives must match the OpenAPI document."""

import functools
import json
import re

import webtest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing import Resource
from referencing.jsonschema import DRAFT202012

from core.openapi import document

PREFIX = "/api/v1"
DOC_URI = "urn:upstream:openapi"
ERROR = {"$ref": f"{DOC_URI}#/components/schemas/Error"}
TEST_ROUTES = "/_test/"  # routes that tests add to the app to provoke failures
checked = {"responses": 0}


@functools.cache
def _registry():
    resource = Resource.from_contents(document(), default_specification=DRAFT202012)
    return Registry().with_resource(DOC_URI, resource)


@functools.cache
def _templates():
    routes = []
    for path, operations in document()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        routes.append((pattern, path, operations))
    return routes


@functools.cache
def _validator(pointer):
    return Draft202012Validator({"$ref": f"{DOC_URI}#{pointer}"}, registry=_registry())


def _escape(part):
    return part.replace("~", "~0").replace("/", "~1")


def check(method, path, resp):
    """Assert that one response conforms to the document (or to the error envelope)."""
    checked["responses"] += 1
    assert resp.headers.get("X-Request-Id"), "every response carries X-Request-Id"
    local = path[len(PREFIX) :] if path.startswith(PREFIX) else None
    match = None
    if local is not None:
        match = next((r for r in _templates() if r[0].match(local)), None)
    operation = match[2].get(method.lower()) if match else None
    status = str(resp.status_int)
    if local is not None and local.startswith(TEST_ROUTES):
        assert resp.content_type == "application/json"  # a route a test added: no contract
        return
    if operation is None:
        # Unknown route or unknown method: always the error envelope.
        assert resp.status_int >= 400, f"{method} {path} is served but not documented"
        _validate(ERROR, resp)
        return
    assert status in operation["responses"], f"{method} {match[1]}: {status} is not documented"
    if status == "304":
        assert resp.body == b""
        return
    content = operation["responses"][status].get("content", {})
    media = resp.content_type
    assert media in content, f"{method} {match[1]} {status}: undocumented type {media}"
    if media == "application/json":
        pointer = "/".join(
            ["/paths", _escape(match[1]), method.lower(), "responses", status]
            + ["content", _escape(media), "schema"]
        )
        errors = sorted(_validator(pointer).iter_errors(resp.json), key=str)
        assert not errors, (
            f"{method} {match[1]} {status}: {errors[0].message} at {list(errors[0].absolute_path)}"
        )


def _validate(schema, resp):
    assert resp.content_type == "application/json", resp.content_type
    body = json.loads(resp.body)
    Draft202012Validator(schema, registry=_registry()).validate(body)


class ConformingTestApp(webtest.TestApp):
    """A WebTest client that checks every response against the OpenAPI document."""

    def do_request(self, req, status=None, expect_errors=None):
        resp = super().do_request(req, status=status, expect_errors=expect_errors)
        check(req.method, req.path, resp)
        return resp
