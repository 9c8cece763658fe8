"""The desk's forms as a browser sees them: found in the HTML (lxml), filled in, and
sent with every field the browser would send (hidden ones included), encoded as the
form's `enctype` says, textarea line ends as CR LF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lxml.html
from aiohttp import ClientResponse, FormData
from aiohttp.test_utils import TestClient

_SKIPPED_INPUTS = ("submit", "button", "reset", "image", "file")


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: list[tuple[str, str]]

    def value(self, name: str) -> str | None:
        return next((v for n, v in self.fields if n == name), None)

    def filled(self, **changes: str | None) -> list[tuple[str, str]]:
        """The fields with `changes` (None drops a field; new names are added)."""
        out = [(n, changes.get(n, v)) for n, v in self.fields if changes.get(n, v) is not None]
        known = {n for n, _ in self.fields}
        out += [(n, v) for n, v in changes.items() if n not in known and v is not None]
        return [(n, v) for n, v in out if v is not None]


def _fields(form: Any) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for element in form.iter("input", "textarea", "select"):
        name = element.get("name")
        if not name or element.get("disabled") is not None:
            continue
        if element.tag == "input":
            kind = (element.get("type") or "text").lower()
            if kind in _SKIPPED_INPUTS:
                continue
            if kind in ("checkbox", "radio") and element.get("checked") is None:
                continue
            fields.append((name, element.get("value") or ""))
        elif element.tag == "textarea":
            text = element.text or ""
            text = text[1:] if text.startswith("\n") else text  # as the HTML parser does
            fields.append((name, text.replace("\r\n", "\n").replace("\n", "\r\n")))
        else:
            options = element.findall(".//option")
            chosen = [o for o in options if o.get("selected") is not None] or options[:1]
            for option in chosen:
                fields.append((name, option.get("value", option.text_content())))
    return fields


def forms(html: str) -> list[Form]:
    doc = lxml.html.fromstring(html)
    return [
        Form(
            action=f.get("action") or "",
            method=(f.get("method") or "get").lower(),
            enctype=f.get("enctype") or "application/x-www-form-urlencoded",
            fields=_fields(f),
        )
        for f in doc.iter("form")
    ]


def form(html: str, action: str) -> Form:
    """The one form posting to `action`."""
    found = [f for f in forms(html) if f.action == action]
    assert len(found) == 1, (action, [f.action for f in forms(html)])
    return found[0]


async def submit(client: TestClient, sent: Form, **changes: str | None) -> ClientResponse:
    """Send the form as a browser would, without following a redirect."""
    fields = sent.filled(**changes)
    if sent.method == "get":
        return await client.get(sent.action, params=fields, allow_redirects=False)
    data = FormData(default_to_multipart=sent.enctype == "multipart/form-data")
    for name, value in fields:
        data.add_field(name, value)
    return await client.post(sent.action, data=data, allow_redirects=False)


async def page(client: TestClient, path: str, status: int = 200, **kwargs: Any) -> str:
    resp = await client.get(path, allow_redirects=False, **kwargs)
    text = await resp.text()
    assert resp.status == status, (path, resp.status, text[:2000])
    return text


async def form_on(client: TestClient, path: str, action: str | None = None) -> Form:
    """The form posting to `action` (default: the page's own path) on the page at `path`."""
    return form(await page(client, path), action or path)


async def log_in(client: TestClient, token: str) -> None:
    """Log in through the login form; fails the test unless it answers 303 to the desk."""
    login = await page(client, "/desk/login")
    resp = await submit(client, form(login, "/desk/login"), token=token)
    assert resp.status == 303, await resp.text()
    assert resp.headers["Location"] == "/desk/"


async def submit_on(
    client: TestClient, path: str, action: str, expect: int = 303, **changes: str | None
) -> ClientResponse:
    """Open the page at `path`, fill in its form posting to `action`, send it, and check
    the status of the answer (`expect`)."""
    resp = await submit(client, form(await page(client, path), action), **changes)
    if resp.status != expect:
        raise AssertionError((action, resp.status, (await resp.text())[:3000]))
    return resp


def text_of(html: str, xpath: str) -> list[str]:
    return [
        " ".join(e.text_content().split()) if hasattr(e, "text_content") else str(e)
        for e in lxml.html.fromstring(html).xpath(xpath)
    ]
