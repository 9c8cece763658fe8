"""docker-compose.yml and the Dockerfile say what the service needs (no engine needed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from newsfeed.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
yaml = pytest.importorskip("yaml")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_service(compose: dict) -> None:
    service = compose["services"]["newsfeed"]
    assert service["build"] == "."
    assert "8080:8080" in service["ports"]
    env = service["environment"]
    assert env["NEWSFEED_HOST"] == "0.0.0.0"
    assert env["NEWSFEED_PORT"] == "8080"
    assert env["NEWSFEED_DB"].startswith("/data/")
    assert set(env) <= {name for name, _, _ in SETTINGS}
    volume, _, mount = service["volumes"][0].partition(":")
    assert mount == "/data" and volume in compose["volumes"]
    assert "/healthz" in " ".join(service["healthcheck"]["test"])
    assert service["stop_signal"] == "SIGTERM"


def test_dockerfile_matches() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "EXPOSE 8080" in text and "VOLUME /data" in text
    assert "NEWSFEED_HOST=0.0.0.0" in text and "/healthz" in text
    for line in text.splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source


def _compose_command() -> list[str] | None:
    """`docker compose` (v2 plugin) or `docker-compose` (v1), whichever is installed."""
    if shutil.which("docker"):
        found = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if found.returncode == 0:
            return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


def test_docker_compose_config_accepts_it() -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    checked = subprocess.run(
        [*command, "config", "--quiet"], capture_output=True, text=True, cwd=ROOT
    )
    assert checked.returncode == 0, checked.stderr
