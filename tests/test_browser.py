"""A real browser reads the Korean board and an article: headless Chromium over the
DevTools protocol, against the app served on 127.0.0.1.

Checks the text a reader sees, that the stylesheet applied, that nothing is logged as an
error (CSP, missing files, scripts), and that a phone-sized viewport needs no sideways
scrolling; saves screenshots to tests/artifacts/. Skips where no Chromium is installed
(`.ci/run` installs the Debian package `chromium` and `fonts-noto-cjk`), but fails
instead when `NEWSFEED_REQUIRE_BROWSER=1` (set by `.ci/run`): CI must not pass by skipping.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import os
import re
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from conftest import create, with_store

from newsfeed import seed
from newsfeed.web.app import create_app

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
BROWSER = next(
    (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None
)
REQUIRED = os.environ.get("NEWSFEED_REQUIRE_BROWSER") == "1"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]


class Tab:
    """One page of the browser, driven over a DevTools websocket; records error events."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, session_id: str) -> None:
        self._ws, self._session = ws, session_id
        self._ids = itertools.count(1000)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._loaded = asyncio.Event()
        self.errors: list[str] = []

    def dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message and message["id"] in self._waiting:
            self._waiting.pop(message["id"]).set_result(message)
            return
        method, params = message.get("method"), message.get("params", {})
        if method == "Page.loadEventFired":
            self._loaded.set()
        elif method == "Runtime.exceptionThrown":
            self.errors.append(str(params["exceptionDetails"]))
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            self.errors.append(str(params["args"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(f"{params['entry']['text']} {params['entry'].get('url', '')}")

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        self._waiting[ident] = asyncio.get_running_loop().create_future()
        await self._ws.send_json(
            {"id": ident, "sessionId": self._session, "method": method, "params": params}
        )
        reply = await self._waiting[ident]
        assert "error" not in reply, reply
        return reply.get("result", {})

    async def open(self, url: str) -> None:
        self._loaded.clear()
        await self.send("Page.navigate", url=url)
        await self._loaded.wait()

    async def js(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def viewport(self, width: int, height: int, *, phone: bool) -> None:
        """A desktop window, or a phone's screen at twice the pixel density."""
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=2 if phone else 1,
            mobile=phone,
        )

    async def screenshot(self, name: str) -> Path:
        data = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        path.write_bytes(base64.b64decode(data["data"]))
        return path


async def _devtools_url(stderr: asyncio.StreamReader) -> str:
    """Chromium prints where DevTools listens on stderr once it is ready."""
    async with asyncio.timeout(15):
        while line := (await stderr.readline()).decode(errors="replace"):
            if match := re.search(r"DevTools listening on (ws://\S+)", line):
                return match.group(1)
    raise AssertionError("Chromium exited before DevTools was listening")


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


async def _reply(ws: aiohttp.ClientWebSocketResponse, ident: int) -> dict[str, Any]:
    async for message in ws:
        data = message.json()
        if data.get("id") == ident:
            return data
    raise AssertionError("DevTools closed the connection")


async def _pump(ws: aiohttp.ClientWebSocketResponse, tab: Tab) -> None:
    async for message in ws:
        tab.dispatch(message.json())


@pytest.fixture
async def tab(tmp_path: Path) -> AsyncIterator[Tab]:
    """A fresh browser (own profile) with one tab attached over DevTools."""
    if BROWSER is None:
        message = "no Chromium: apt-get install chromium fonts-noto-cjk"
        if REQUIRED:
            pytest.fail(f"{message} (NEWSFEED_REQUIRE_BROWSER=1: the browser test may not skip)")
        pytest.skip(message)
    proc = await asyncio.create_subprocess_exec(
        BROWSER,
        *FLAGS,
        f"--user-data-dir={tmp_path / 'chromium'}",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    drain = pump = None
    try:
        url = await _devtools_url(proc.stderr)
        drain = asyncio.create_task(_drain(proc.stderr))  # its chatter must not block it
        async with aiohttp.ClientSession() as http, http.ws_connect(url, max_msg_size=0) as ws:
            await ws.send_json({"id": 1, "method": "Target.createTarget", "params": {"url": ""}})
            target_id = (await _reply(ws, 1))["result"]["targetId"]
            await ws.send_json(
                {
                    "id": 2,
                    "method": "Target.attachToTarget",
                    "params": {"targetId": target_id, "flatten": True},
                }
            )
            tab = Tab(ws, (await _reply(ws, 2))["result"]["sessionId"])
            pump = asyncio.create_task(_pump(ws, tab))
            for domain in ("Page", "Runtime", "Log"):
                await tab.send(f"{domain}.enable")
            yield tab
    finally:
        if proc.returncode is None:
            proc.terminate()
        await proc.wait()
        for task in (pump, drain):
            if task is not None:
                await task


async def test_korean_board_and_article_in_chromium(
    tab: Tab,
    aiohttp_server: Callable[..., Any],
    aiohttp_client: Callable[..., Any],
    settings,
    editor_token: str,
):
    server = await aiohttp_server(create_app(settings), host="127.0.0.1")
    client = await aiohttp_client(server)
    with_store(settings, lambda store: seed.seed(store, settings.langs))
    await create(client, editor_token, translations={"en": {"title": "Only in English"}})
    base = f"http://127.0.0.1:{server.port}"

    async with asyncio.timeout(20):
        await tab.viewport(1200, 900, phone=False)
        await tab.open(f"{base}/ko/")
        text = await tab.js("document.body.innerText")
        assert "번호" in text and "제목" in text and "조회수" in text
        assert "2020년 9월 15일" in text
        assert "의료원, 바이오솔루션 기업과 첨단재생의학 공동연구 협약 체결" in text
        assert await tab.js("document.documentElement.lang") == "ko"
        # the stylesheet applied (served, not blocked)
        assert (
            await tab.js("getComputedStyle(document.querySelector('table.board')).borderCollapse")
            == "collapse"
        )
        await tab.screenshot("board-ko.png")

        await tab.viewport(390, 844, phone=True)
        await tab.open(f"{base}/ko/")
        assert await tab.js("document.documentElement.scrollWidth <= window.innerWidth"), (
            "the board scrolls sideways on a phone"
        )
        await tab.screenshot("board-ko-phone.png")

        await tab.open(f"{base}/ko/articles/1")
        text = await tab.js("document.body.innerText")
        assert "첨단재생의학" in text and "홍보팀" in text and "조회 1회" in text
        assert await tab.js("document.querySelector('article strong').textContent") == (
            "첨단재생의학"
        )
        assert await tab.js("document.documentElement.scrollWidth <= window.innerWidth")
        await tab.screenshot("article-ko-phone.png")

        await tab.open(f"{base}/ko/articles/6")
        text = await tab.js("document.body.innerText")
        assert "Only in English" in text and "아직 한국어로 번역되지 않아" in text
        await tab.open(f"{base}/ko/articles/999")
        assert "페이지를 찾을 수 없습니다" in await tab.js("document.body.innerText")
        # a 404 status is itself logged by the browser; only that one is expected
        tab.errors = [e for e in tab.errors if "404" not in e or "/ko/articles/999" not in e]
    assert tab.errors == []
