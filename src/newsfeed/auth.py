"""Editor tokens: made once, stored only as a hash, checked on every write.

A token is 32 random bytes (URL-safe base64) with a `nf_` prefix. Only its SHA-256 is
stored: with that much entropy a slow hash adds nothing, and the lookup by hash leaks no
timing about the secret. The final comparison still uses `hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable

from newsfeed import problems
from newsfeed.model import Editor, EditorRecord, Role, stamp, utcnow
from newsfeed.store import EditorExists, Store

__all__ = [
    "Editor",
    "EditorRecord",
    "Role",
    "add_editor",
    "permit",
    "require",
    "require_lang",
    "verify",
    "verify_token",
]

TOKEN_PREFIX = "nf_"
LANG_RE = re.compile(r"[a-z]{2,3}")  # as NEWSFEED_LANGS: a language may be given before it serves


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


async def add_editor(
    store: Store, name: str, role: Role, langs: Iterable[str] | None = None
) -> str:
    """Store a new editor and return their token, the only time it exists in clear.

    `langs` limits a translator to those languages (None: every language)."""
    if not name or name != name.strip() or not name.isprintable() or len(name) > 100:
        raise ValueError(
            f"{name!r} is not a usable name: give 1 to 100 printable characters, "
            "without leading or trailing spaces"
        )
    stored = None
    if langs is not None:
        chosen = sorted(set(langs))
        if role is not Role.TRANSLATOR:
            raise ValueError("only a translator is limited to languages; an editor has all")
        if not chosen or any(not LANG_RE.fullmatch(lang) for lang in chosen):
            raise ValueError(
                "give the translator's languages as codes separated by commas, e.g. en,ja"
            )
        stored = ",".join(chosen)
    token = new_token()
    try:
        await store.add_editor(name, role.value, hash_token(token), stamp(utcnow()), stored)
    except EditorExists:
        raise ValueError(f"an editor named {name!r} already exists") from None
    return token


async def rotate_editor(store: Store, name: str) -> str | None:
    """A new token for an active editor (printed once); the old one ends at once."""
    token = new_token()
    return token if await store.rotate_editor(name, hash_token(token)) else None


async def revoke_editor(store: Store, name: str) -> bool:
    """End the editor's token; False when no active editor has that name."""
    return await store.revoke_editor(name, stamp(utcnow()))


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


async def verify(store: Store, header: str | None) -> Editor | None:
    """The editor a valid `Authorization: Bearer` header names, else None."""
    token = bearer_token(header)
    return None if token is None else await verify_token(store, token)


async def verify_token(store: Store, token: str) -> Editor | None:
    """The active editor holding `token` (from a header or the desk's login form)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    found = await store.editor_by_token(digest)
    if found is None or not hmac.compare_digest(found.token_hash, digest):
        return None
    return Editor(found.name, found.role, found.langs)


async def require(store: Store, header: str | None, *roles: Role) -> Editor:
    """The editor, or a 401 (no valid token) / 403 (a role that may not do this)."""
    editor = await verify(store, header)
    if editor is None:
        detail = "Send a valid editor token as 'Authorization: Bearer <token>'."
        if header:
            detail = "The token is not valid (unknown, malformed or revoked)."
        raise problems.unauthorized(detail)
    permit(editor, *roles)
    return editor


def permit(editor: Editor, *roles: Role) -> None:
    """403 unless the editor's role may do this (the API's and the desk's one check)."""
    if editor.role not in roles:
        raise problems.forbidden(f"A {editor.role.value} may not do this.")


def require_lang(editor: Editor, lang: str) -> None:
    """403 unless the editor may write texts in `lang` (a translator's languages)."""
    if not editor.may_write(lang):
        raise problems.forbidden(
            f"{editor.name!r} translates only {', '.join(sorted(editor.langs or ()))}, "
            f"not {lang!r}."
        )
