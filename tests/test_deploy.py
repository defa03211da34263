"""deploy/ as far as it can be checked without Docker or systemd (neither runs on the CI machine): the
files parse, name the services and commands docs/operations.md describes, and list every setting."""

from __future__ import annotations

import configparser
import json
import re
import tomllib

import pytest
import yaml

from bot.config import Settings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
# Variables of the compose files themselves, documented in .env.example but not settings of the bot.
COMPOSE_VARIABLES = {"HOST_PORT", "POSTGRES_PASSWORD"}


def compose(name: str) -> dict:
    return yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of deploy/Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", "", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [tuple(line.split(None, 1)) for line in lines]


def instructions(name: str) -> list[str]:
    return [arguments for instruction, arguments in dockerfile() if instruction == name]


def test_the_image_runs_the_documented_commands_as_a_user_of_its_own() -> None:
    assert instructions("FROM") == ["python:3.11-slim"]
    assert (
        instructions("RUN")[0] == "pip install -c requirements.lock ."
        and "pip install -c requirements.lock ." in OPERATIONS
    )
    command = " ".join(json.loads(instructions("CMD")[0]))
    assert command == "python -m bot run --mode http --host 0.0.0.0 --port 3000" and command in OPERATIONS
    assert instructions("USER") == ["remarks-bot"]
    assert "http://127.0.0.1:3000/healthz" in instructions("HEALTHCHECK")[0]
    # Everything `pip install .` needs is copied in: the packages and the files pyproject.toml names.
    copied = {source for arguments in instructions("COPY") for source in arguments.split()[:-1]}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {pattern.rstrip("*") for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages | {"pyproject.toml", "requirements.lock", project["project"]["readme"]} <= copied


def test_compose_runs_postgresql_a_migration_and_two_replicas_behind_one_port() -> None:
    services = compose("docker-compose.yml")["services"]
    assert services["postgres"]["image"] == "postgres:15"
    assert "--encoding=UTF8 --locale=C.UTF-8" in services["postgres"]["environment"]["POSTGRES_INITDB_ARGS"]
    assert services["migrate"]["command"] == ["python", "-m", "bot", "db", "upgrade"]
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    replicas = [name for name, service in services.items() if name.startswith("bot-")]
    assert len(replicas) == 2
    for name in replicas + ["migrate"]:
        assert services[name]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql://remarks:")
        assert services[name]["environment"]["DATABASE_URL"].endswith("@postgres:5432/remarks")
    for name in replicas:
        assert "command" not in services[name]  # the image's: HTTP mode on port 3000
        assert services[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert "ports" not in services[name]
    published = [port for service in services.values() for port in service.get("ports", [])]
    assert published == ["${HOST_PORT:-3000}:80"] and services["proxy"]["image"] == "caddy:2"
    assert services["proxy"]["volumes"] == ["./Caddyfile:/etc/caddy/Caddyfile:ro"]
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    assert re.search(r"reverse_proxy " + " ".join(f"{name}:3000" for name in replicas) + r" \{", caddyfile)
    assert "health_uri /readyz" in caddyfile


def test_the_sqlite_variant_is_one_container_with_its_database_on_a_volume() -> None:
    ((name, service),) = compose("docker-compose.sqlite.yml")["services"].items()
    assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert service["environment"]["DATABASE_URL"] == "sqlite:////data/remarks.db"
    assert service["volumes"] == ["data:/data"] and service["ports"] == ["${HOST_PORT:-3000}:3000"]


@pytest.mark.parametrize("name", ["docker-compose.yml", "docker-compose.sqlite.yml"])
def test_compose_files_read_the_settings_file_and_document_their_variables(name: str) -> None:
    text = (DEPLOY / name).read_text(encoding="utf-8")
    assert set(re.findall(r"\$\{(\w+)", text)) <= COMPOSE_VARIABLES
    assert f"docker compose -f deploy/{name} --env-file deploy/.env up -d --build" in OPERATIONS
    for service in compose(name)["services"].values():
        if "build" in service:
            assert service["env_file"] == ".env"


def test_env_example_documents_every_setting_and_no_other() -> None:
    listed = re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", (DEPLOY / ".env.example").read_text(encoding="utf-8"), re.MULTILINE)
    assert len(listed) == len(set(listed))
    assert set(listed) == {name.upper() for name in Settings.model_fields} | COMPOSE_VARIABLES


def test_the_systemd_unit_upgrades_the_schema_then_runs_the_bot_as_its_own_user() -> None:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # systemd's keys are case-sensitive
    unit.read(DEPLOY / "remarks-bot.service", encoding="utf-8")
    service = unit["Service"]
    assert service["User"] == "remarks-bot" and service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/remarks-bot/env" and "/etc/remarks-bot/env" in OPERATIONS
    assert service["ExecStartPre"] == "/opt/remarks-bot/.venv/bin/python -m bot db upgrade"
    assert service["ExecStart"] == "/opt/remarks-bot/.venv/bin/python -m bot run"
    assert "cd /opt/remarks-bot" in OPERATIONS and "sudo .venv/bin/pip install -c requirements.lock ." in OPERATIONS
    assert unit["Install"]["WantedBy"] == "multi-user.target"
