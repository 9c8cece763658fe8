"""The desk in a real browser: headless Chromium (the harness of test_browser.py) logs
in, creates a Korean article, adds its English text beside the original, and publishes
it; both show on the public boards and feeds. An edit of the Korean original then shows
the English text as stale on the board, with what changed in its editor. Screenshots of
the status board and the side-by-side editor go to tests/artifacts/. No script runs in
the pages: the browser sends the forms itself, and anything it logs as an error (a CSP
violation, a missing file) fails the test."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import feedparser
import pytest
from test_browser import BROWSER, Tab
from test_browser import tab as tab  # noqa: F401 - the fixture, shared

from newsfeed.web.app import create_app

pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no Chromium: apt-get install chromium fonts-noto-cjk"
)


async def type_into(tab: Tab, element_id: str, text: str) -> None:
    """Focus a field and type into it as a keyboard would (IME text included)."""
    assert await tab.js(f"document.getElementById({json.dumps(element_id)}).focus() ?? true")
    await tab.send("Input.insertText", text=text)


async def choose(tab: Tab, element_id: str, value: str) -> None:
    await tab.js(f"document.getElementById({json.dumps(element_id)}).value = {json.dumps(value)}")


async def click_and_load(tab: Tab, selector: str) -> None:
    """Click a link or a submit button and wait for the page it leads to."""
    tab._loaded.clear()
    assert await tab.js(f"(e => (e.click(), true))(document.querySelector({json.dumps(selector)}))")
    await tab._loaded.wait()


async def cell_states(tab: Tab) -> list[str]:
    """The board's language cells of its first article, by their state class."""
    return list(
        await tab.js("[...document.querySelectorAll('tbody td.cell')].map(c => c.className)")
    )


async def path(tab: Tab) -> str:
    return str(await tab.js("location.pathname + location.search"))


async def test_desk_flow_in_chromium(
    tab: Tab,  # noqa: F811 - the fixture imported above
    aiohttp_server: Callable[..., Any],
    aiohttp_client: Callable[..., Any],
    settings: Any,
    editor_token: str,
) -> None:
    server = await aiohttp_server(create_app(settings), host="127.0.0.1")
    client = await aiohttp_client(server)
    base = f"http://127.0.0.1:{server.port}"

    async with asyncio.timeout(60):
        await tab.viewport(1280, 900, phone=False)
        await tab.open(f"{base}/desk/")
        assert await path(tab) == "/desk/login"
        # the desk in Korean, whatever the browser asks for
        await click_and_load(tab, "nav.langs a[hreflang='ko']")
        assert await tab.js("document.documentElement.lang") == "ko"
        await type_into(tab, "f-token", editor_token)
        await click_and_load(tab, "form[action='/desk/login'] button")
        assert await path(tab) == "/desk/"
        assert "현황판" in await tab.js("document.body.innerText")

        # a Korean article, published now
        await click_and_load(tab, "a[href='/desk/articles/new']")
        await choose(tab, "f-lang", "ko")
        await type_into(tab, "f-category", "news")
        await choose(tab, "f-status", "published")
        await type_into(tab, "f-title", "첨단재생의학센터 개소")
        await type_into(tab, "f-summary", "세포치료 연구와 진료를 한곳에서 합니다.")
        await type_into(tab, "f-body", "의료원이 **첨단재생의학센터**를 열었습니다.")
        await type_into(tab, "f-author", "홍보팀")
        await click_and_load(tab, "form[action='/desk/articles/new'] button[type='submit']")
        assert await path(tab) == "/desk/articles/1?done=created"

        # its English text, written beside the original
        await click_and_load(tab, "a[href='/desk/articles/1/texts/en']")
        original = await tab.js("document.querySelector('section.readonly').innerText")
        assert "첨단재생의학센터 개소" in original and "홍보팀" in original
        await type_into(tab, "f-title", "Advanced Regenerative Medicine Center Opens")
        await type_into(tab, "f-summary", "Cell therapy research and care under one roof.")
        await type_into(
            tab, "f-body", "The Medical Center has opened its **Regenerative Medicine Center**."
        )
        await type_into(tab, "f-author", "Communications Office")
        await tab.screenshot("desk-editor.png")
        await click_and_load(tab, "form[action='/desk/articles/1/texts/en'] button[type='submit']")
        assert await path(tab) == "/desk/articles/1/texts/en?done=saved"

        await tab.open(f"{base}/desk/")
        assert await cell_states(tab) == ["cell state-current", "cell state-current"]

        # an edit of the Korean original leaves the English text stale on the board
        await tab.open(f"{base}/desk/articles/1/texts/ko")
        await tab.js("document.getElementById('f-title').select()")
        await tab.send("Input.insertText", text="첨단재생의학센터 개소식 열려")
        await click_and_load(tab, "form[action='/desk/articles/1/texts/ko'] button[type='submit']")
        await tab.open(f"{base}/desk/")
        assert await cell_states(tab) == ["cell state-current", "cell state-stale"]
        await tab.screenshot("desk-board.png")
        await tab.open(f"{base}/desk/articles/1/texts/en")
        assert await tab.js("document.querySelector('pre.diff span.add').textContent") == (
            "+첨단재생의학센터 개소식 열려"
        )
        await tab.screenshot("desk-editor-stale.png")
        await tab.viewport(390, 844, phone=True)
        await tab.open(f"{base}/desk/articles/1/texts/en")
        assert await tab.js("document.documentElement.scrollWidth <= window.innerWidth"), (
            "the editor scrolls sideways on a phone"
        )
        await tab.open(f"{base}/desk/")
        assert await tab.js("document.documentElement.scrollWidth <= window.innerWidth"), (
            "the board scrolls sideways on a phone"
        )
        await tab.screenshot("desk-board-phone.png")
        await tab.viewport(1280, 900, phone=False)

        # readers see both languages on the boards and in the feeds
        await tab.open(f"{base}/ko/")
        assert "첨단재생의학센터 개소식 열려" in await tab.js("document.body.innerText")
        await tab.open(f"{base}/en/")
        assert "Advanced Regenerative Medicine Center Opens" in await tab.js(
            "document.body.innerText"
        )
        for lang, title in (
            ("ko", "첨단재생의학센터 개소식 열려"),
            ("en", "Advanced Regenerative Medicine Center Opens"),
        ):
            feed = feedparser.parse(await (await client.get(f"/{lang}/feed.atom")).read())
            assert [entry.title for entry in feed.entries] == [title]
    assert tab.errors == []
