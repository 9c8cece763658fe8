"""docker-compose.yml (SQLite, one container), docker-compose.postgres.yml (PostgreSQL, two
instances) and the Dockerfile say what the service needs (no engine needed; `docker
compose config` checks them too where it is installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newsfeed.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILES = ("docker-compose.yml", "docker-compose.postgres.yml")
SETTING_NAMES = {name for name, _, _ in SETTINGS}
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
    assert set(env) <= SETTING_NAMES
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


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_docker_compose_config_accepts_it(name: str) -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    checked = subprocess.run(
        [*command, "-f", name, "config", "--quiet"], capture_output=True, text=True, cwd=ROOT
    )
    assert checked.returncode == 0, checked.stderr


def test_postgres_compose_runs_two_instances_on_one_healthy_database() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.postgres.yml").read_text())
    services = compose["services"]
    databases = {name for name, s in services.items() if s.get("image", "").startswith("postgres:")}
    assert databases == {"postgres"}
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:15"
    initdb = postgres["environment"]["POSTGRES_INITDB_ARGS"]
    assert "--locale=C.UTF-8" in initdb and "--encoding=UTF8" in initdb
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])

    instances = {
        name: s for name, s in services.items() if "NEWSFEED_DB" in s.get("environment", {})
    }
    assert len(instances) == 2
    host_ports = set()
    for name, service in instances.items():
        env = service["environment"]
        assert set(env) <= SETTING_NAMES, name
        db = urlsplit(env["NEWSFEED_DB"])
        assert db.scheme == "postgresql" and db.hostname == "postgres", name
        assert db.path == "/" + postgres["environment"]["POSTGRES_DB"]
        assert db.username == postgres["environment"]["POSTGRES_USER"]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "/healthz" in " ".join(service["healthcheck"]["test"])
        assert service["stop_signal"] == "SIGTERM"
        assert service["build"] == "." and env["NEWSFEED_HOST"] == "0.0.0.0"
        (port,) = service["ports"]
        host, _, inside = port.rpartition(":")
        assert inside == env["NEWSFEED_PORT"]
        host_ports.add(host)
    assert len(host_ports) == 2  # side by side on one host
    # One public URL for both, so that they serve the same feed bytes and ids.
    assert len({s["environment"]["NEWSFEED_BASE_URL"] for s in instances.values()}) == 1
