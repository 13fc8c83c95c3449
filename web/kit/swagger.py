"""`GET /docs`: Swagger UI for the service's OpenAPI document, served offline.

Its files come from the pinned package and this folder: nothing from outside the worker.
Its Authorize button takes a bearer token (the document declares the scheme), which
Swagger UI then sends with each request tried from the page.
"""

from __future__ import annotations

import functools
import html
from pathlib import Path
from typing import Any

from faust.web import Request, Response
from swagger_ui_bundle import swagger_ui_path

from web.kit.base import ServiceView
from web.kit.headers import CONTENT_SECURITY_POLICY
from web.kit.openapi import Operation

#: Where Swagger UI's files are served, from the pinned package: the services run offline.
ASSETS = "/docs/assets"
#: ... and the script that starts it, from this folder.
INIT = "/docs/init"
INIT_FILES = Path(__file__).parent / "swagger"
#: Swagger UI sets style attributes as it renders; its scripts are still files only.
POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def swagger_page(title: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{html.escape(title)}</title>
  <link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{ASSETS}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{ASSETS}/swagger-ui-bundle.js"></script>
  <script src="{INIT}/init.js"></script>
</body>
</html>
"""


def register(app: Any) -> None:
    # Directories of files, not pages: no part of the API the document describes.
    app.web.add_static(ASSETS, swagger_ui_path)
    app.web.add_static(INIT, INIT_FILES)

    @functools.cache
    def built_page() -> str:
        return swagger_page(f"{app.conf.id} API")

    @app.page("/docs")
    class SwaggerUi(ServiceView):
        serves_before_ready = True

        @Operation("Swagger UI for this document", {200: None}, media_type="text/html")
        async def get(self, request: Request) -> Response:
            return self.html(built_page(), headers={"Content-Security-Policy": POLICY})
