"""The installed package, not the checkout: a wheel built and installed (not editable)
into a fresh virtual environment serves Korean on /ko/ from the catalogs it carries.

Offline: the wheel is built with this environment's setuptools (no build isolation),
installed without dependencies, and the new environment finds them through a `.pth`
naming this environment's site-packages (whose own `.pth` files, such as the editable
install of the checkout, are not read from there).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import lxml.html
import pytest
from conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def sh(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with the wheel installed; its bin/ folder."""
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"  # a clean copy: the build writes nothing into the checkout
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "src",
        source / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.mo"),
    )
    wheels = work / "wheels"
    sh(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--no-index", "-q", "-w", wheels, source,
    )  # fmt: skip
    (wheel,) = wheels.glob("newsfeed-*.whl")
    venv = work / "venv"
    sh(sys.executable, "-m", "venv", "--without-pip", venv)
    site = Path(
        sh(
            venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"
        ).strip()
    )
    (site / "test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    sh(
        sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install",
        "--no-deps", "--no-index", "-q", wheel,
    )  # fmt: skip
    return venv / "bin"


def test_the_wheel_carries_the_catalogs(installed: Path) -> None:
    found = json.loads(
        sh(
            installed / "python",
            "-c",
            "import json, newsfeed, newsfeed.settings as s; "
            "print(json.dumps([newsfeed.__file__, str(s.LOCALES_DIR)]))",
            cwd=installed,
        )
    )
    package, locales = (Path(p) for p in found)
    assert installed.parent in package.parents  # the installed copy, not the checkout
    assert ROOT not in package.parents
    assert (locales / "ko" / "LC_MESSAGES" / "messages.po").is_file()
    assert sh(installed / "newsfeed", "--version", cwd=installed) == "newsfeed 0.1.0\n"


def test_the_installed_service_shows_korean(installed: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFEED_")}
    env |= {"NEWSFEED_DB": str(tmp_path / "site.db"), "NEWSFEED_PORT": str(port)}
    sh(installed / "newsfeed", "seed", cwd=tmp_path, env=env)
    proc = subprocess.Popen(
        [installed / "newsfeed", "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ko/", timeout=2) as resp:
                    page = resp.read().decode()
                    break
            except OSError:
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "the installed service did not start"
                time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    doc = lxml.html.fromstring(page)
    assert doc.xpath("//thead//th/text()") == ["번호", "제목", "등록일", "조회수"]
    assert doc.xpath("//p[@class='count']/text()") == ["글 5건"]
