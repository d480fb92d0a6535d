"""The published contract: the OpenAPI document, the docs pages and the conformance helper."""

import re
import types

import pytest
from openapi_spec_validator import validate

from core.openapi import document
from resources import routes
from tests import conformance


def test_document_is_valid_openapi_31(client):
    served = client.get("/api/v1/openapi.json").json
    assert served == document()
    assert served["openapi"].startswith("3.1")
    validate(served)


def test_every_route_is_documented_and_every_documented_path_served():
    served = {}
    for template, resource in routes(types.SimpleNamespace(clock=None, sessions=None)).items():
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", template)
        served[path] = {m[3:] for m in dir(resource) if m.startswith("on_")}
    documented = {path: set(ops) for path, ops in document()["paths"].items()}
    assert served == documented


def test_auth_endpoints_are_unauthenticated_and_the_rest_bearer():
    doc = document()
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert doc["security"] == [{"bearerAuth": []}]
    open_ops = {
        path
        for path, ops in doc["paths"].items()
        for op in ops.values()
        if op.get("security") == []
    }
    assert {"/auth/login", "/auth/refresh", "/auth/logout", "/health", "/openapi.json"} <= open_ops
    assert "/deals" not in open_ops and "/me" not in open_ops


def test_request_schemas_come_from_the_schema_files():
    doc = document()
    body = doc["paths"]["/deals"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/DealCreateBody"}
    assert doc["components"]["schemas"]["DealCreateBody"]["required"] == ["title", "stageId"]
    assert body["example"]["title"] == "TechCorp upgrade"


def test_docs_page_and_assets_are_served_locally(client):
    page = client.get("/api/v1/docs")
    assert page.content_type == "text/html"
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/api/v1/") for s in sources)
    for source in sources:
        assert client.get(source).status_int == 200
    init = client.get("/api/v1/docs/init.js").text
    assert "validatorUrl: null" in init and "/api/v1/openapi.json" in init
    bundle = client.get("/api/v1/docs/swagger-ui-bundle.js")
    assert bundle.content_type == "application/javascript" and len(bundle.body) > 100_000
    assert client.get("/api/v1/docs/../../upstream.py", expect_errors=True).status_int == 404
    assert client.get("/api/v1/docs/nope.js", expect_errors=True).status_int == 404


def _fake(status, body, content_type="application/json"):
    import json

    return types.SimpleNamespace(
        status_int=status,
        content_type=content_type,
        headers={"X-Request-Id": "x"},
        json=body,
        body=json.dumps(body).encode(),
    )


def test_conformance_helper_catches_drift():
    good = {"success": True, "data": {"deleted": True}}
    conformance.check(
        "DELETE", "/api/v1/deals/d5a1e1b4-0000-4000-8000-000000000000", _fake(200, good)
    )
    with pytest.raises(AssertionError):
        conformance.check(
            "DELETE", "/api/v1/deals/x", _fake(200, {"success": True, "data": {"gone": 1}})
        )
    with pytest.raises(AssertionError):
        conformance.check(
            "GET", "/api/v1/me", _fake(418, {"success": False, "error": "x", "code": "Y"})
        )
    with pytest.raises(AssertionError):
        conformance.check("GET", "/api/v1/me", _fake(200, good, content_type="text/plain"))
    assert conformance.checked["responses"] > 0
