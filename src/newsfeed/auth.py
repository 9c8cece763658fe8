"""Editor tokens: made once, stored only as a hash, checked on every write.

A token is 32 random bytes (URL-safe base64) with a `nf_` prefix. Only its SHA-256 is
stored: with that much entropy a slow hash adds nothing, and the lookup by hash leaks no
timing about the secret. The final comparison still uses `hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from newsfeed import problems
from newsfeed.db import Database

TOKEN_PREFIX = "nf_"


class Role(StrEnum):
    EDITOR = "editor"
    TRANSLATOR = "translator"


@dataclass(frozen=True, slots=True)
class Editor:
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class EditorRecord:
    name: str
    role: Role
    created_at: str
    revoked_at: str | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


# The command line works on the file directly (sqlite3); it never runs beside a request.


def add_editor(path: Path, name: str, role: Role) -> str:
    """Store a new editor and return their token, the only time it exists in clear."""
    if not name or name != name.strip() or not name.isprintable() or len(name) > 100:
        raise ValueError(
            f"{name!r} is not a usable name: give 1 to 100 printable characters, "
            "without leading or trailing spaces"
        )
    token = new_token()
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(
                "INSERT INTO editors (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)",
                (
                    name,
                    role.value,
                    hash_token(token),
                    datetime.now(UTC).replace(microsecond=0).isoformat(),
                ),
            )
    except sqlite3.IntegrityError:
        raise ValueError(f"an editor named {name!r} already exists") from None
    finally:
        conn.close()
    return token


def list_editors(path: Path) -> list[EditorRecord]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT name, role, created_at, revoked_at FROM editors ORDER BY name"
        ).fetchall()
    finally:
        conn.close()
    return [
        EditorRecord(name, Role(role), created, revoked) for name, role, created, revoked in rows
    ]


def rotate_editor(path: Path, name: str) -> str | None:
    """A new token for an active editor (printed once); the old one ends at once.
    None when no active editor has that name."""
    token = new_token()
    conn = sqlite3.connect(path)
    try:
        with conn:
            cur = conn.execute(
                "UPDATE editors SET token_hash = ? WHERE name = ? AND revoked_at IS NULL",
                (hash_token(token), name),
            )
    finally:
        conn.close()
    return token if cur.rowcount == 1 else None


def revoke_editor(path: Path, name: str) -> bool:
    """End the editor's token; False when no active editor has that name."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            cur = conn.execute(
                "UPDATE editors SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                (datetime.now(UTC).replace(microsecond=0).isoformat(), name),
            )
    finally:
        conn.close()
    return cur.rowcount == 1


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


async def verify(db: Database, header: str | None) -> Editor | None:
    """The editor a valid `Authorization: Bearer` header names, else None."""
    token = bearer_token(header)
    if token is None or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    rows = await db.reader.execute_fetchall(
        "SELECT name, role, token_hash FROM editors WHERE token_hash = ? AND revoked_at IS NULL",
        (digest,),
    )
    row = next(iter(rows), None)
    if row is None or not hmac.compare_digest(row["token_hash"], digest):
        return None
    return Editor(row["name"], Role(row["role"]))


async def require(db: Database, header: str | None, *roles: Role) -> Editor:
    """The editor, or a 401 (no valid token) / 403 (a role that may not do this)."""
    editor = await verify(db, header)
    if editor is None:
        detail = "Send a valid editor token as 'Authorization: Bearer <token>'."
        if header:
            detail = "The token is not valid (unknown, malformed or revoked)."
        raise problems.unauthorized(detail)
    if editor.role not in roles:
        raise problems.forbidden(f"A {editor.role.value} may not do this.")
    return editor
