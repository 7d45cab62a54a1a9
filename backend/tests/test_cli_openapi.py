"""`glucolens openapi` prints the schema the web app generates its API types from
(frontend/scripts/api-types.mjs); `make lint` fails when the committed copy is stale, which
only works if the same code always prints the same bytes."""

from __future__ import annotations

import json

from glucolens.cli import main as cli_main


def _printed(capsys) -> str:
    cli_main(["openapi"])
    return capsys.readouterr().out


def test_openapi_command_prints_the_app_schema_with_sorted_keys(capsys):
    from glucolens.main import create_app

    out = _printed(capsys)
    assert json.loads(out) == json.loads(json.dumps(create_app().openapi()))
    assert out == json.dumps(json.loads(out), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert "/api/v1/dashboard/summary" in json.loads(out)["paths"]


def test_openapi_command_prints_the_same_bytes_twice(capsys):
    assert _printed(capsys) == _printed(capsys)
