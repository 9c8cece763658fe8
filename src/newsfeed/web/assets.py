"""Static files (the stylesheet), read once at start and served from memory.

Pages link them as `/static/NAME?v=HASH`; a request carrying the current hash may be
cached for a year, since a changed file gets a new URL.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from newsfeed import urls

STATIC_DIR = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str
    version: str

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


class Assets:
    def __init__(self, folder: Path = STATIC_DIR) -> None:
        self._files: dict[str, Asset] = {}
        for path in sorted(folder.iterdir()):
            if path.is_file():
                body = path.read_bytes()
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                version = hashlib.sha256(body).hexdigest()[:12]
                self._files[path.name] = Asset(body, kind, version)

    def get(self, name: str) -> Asset | None:
        return self._files.get(name)

    def url(self, name: str) -> str:
        """The versioned URL of a static file, for templates."""
        return urls.static(name, self._files[name].version)
