"""The OpenAPI 3.1 document of /api/v1 (placeholder, filled in below)."""

from __future__ import annotations

from typing import Any

from newsfeed.settings import Settings


def document(settings: Settings) -> dict[str, Any]:
    return {"openapi": "3.1.0", "info": {"title": "newsfeed", "version": "1"}, "paths": {}}
