"""The OpenAPI document and interactive docs (Swagger UI assets shipped by swagger-ui-py)."""

import importlib.util
import pathlib

import falcon

from core.errors import not_found
from core.openapi import document

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Upstream CRM API v1</title>
<link rel="stylesheet" href="/api/v1/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/api/v1/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/v1/docs/swagger-ui-bundle.js"></script>
<script src="/api/v1/docs/init.js"></script>
</body>
</html>
"""
# validatorUrl null: Swagger UI would otherwise send the document to an outside validator.
INIT = """window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
};
"""
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "application/javascript",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}


def static_dir():
    """The folder of Swagger UI's files inside the installed swagger-ui-py package."""
    spec = importlib.util.find_spec("swagger_ui")
    return pathlib.Path(next(iter(spec.submodule_search_locations))) / "static"


class OpenApiResource:
    auth = False

    def on_get(self, req, resp):
        resp.media = document()


class DocsResource:
    auth = False

    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_HTML
        resp.text = PAGE


class DocsAssetResource:
    auth = False

    def __init__(self):
        self.folder = static_dir()

    def on_get(self, req, resp, asset):
        if asset == "init.js":
            resp.content_type = "application/javascript"
            resp.text = INIT
            return
        if asset not in ASSETS:
            raise not_found("No such documentation asset")
        resp.content_type = ASSETS[asset]
        resp.cache_control = ["public", "max-age=86400"]
        resp.data = (self.folder / asset).read_bytes()
