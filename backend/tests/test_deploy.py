"""No Docker engine runs here, so check the deploy files statically: every path they copy
exists, every GLUCOLENS_ variable they set is a real setting, and the commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from glucolens.cli import main as cli_main  # noqa: F401 - the entry point the image runs
from glucolens.core.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_compose_services_and_build_context_exist():
    compose = _compose()
    assert {"db", "redis", "api", "worker"} <= set(compose["services"])
    build = compose["services"]["api"]["build"]
    context = (DEPLOY / build["context"]).resolve()
    assert context == ROOT
    assert (context / build["dockerfile"]).is_file()


def test_compose_env_vars_are_real_settings():
    fields = {f"GLUCOLENS_{name.upper()}" for name in Settings.model_fields}
    compose = _compose()
    env = compose["services"]["api"]["environment"]
    unknown = [k for k in env if k.startswith("GLUCOLENS_") and k not in fields]
    assert not unknown
    example = (DEPLOY / ".env.example").read_text()
    example_vars = re.findall(r"^(GLUCOLENS_[A-Z_]+)=", example, flags=re.M)
    assert example_vars and not [v for v in example_vars if v not in fields]


def test_dockerfile_copies_existing_paths():
    text = (DEPLOY / "Dockerfile").read_text()
    sources = []
    for line in text.splitlines():
        if line.startswith("COPY") and "--from" not in line:
            parts = line.split()[1:-1]
            sources += parts
    assert sources
    missing = [
        s for s in sources if not (ROOT / s).exists() and not (ROOT / "frontend" / s).exists()
    ]
    assert not missing, missing


def test_worker_command_is_a_cli_command():
    command = _compose()["services"]["worker"]["command"]
    assert command[:2] == ["glucolens", "worker"]
