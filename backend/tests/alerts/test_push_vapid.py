"""The VAPID key pair (RFC 8292): generated once into the data dir, readable only by the
owner, the same key for every process that starts at once, or taken from the settings."""

from __future__ import annotations

import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from glucolens.alerts.vapid import (
    KEY_FILE,
    get_vapid,
    keys_for,
    load_or_create_keyfile,
    subject_for,
)
from glucolens.core.config import Settings, get_settings
from tests.alerts._delivery_servers import b64url, b64url_decode

BACKEND = Path(__file__).resolve().parents[2]


def test_the_key_file_is_created_owner_only_and_reused(tmp_path):
    path = tmp_path / "data" / KEY_FILE
    first = load_or_create_keyfile(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_keyfile(path)
    assert first.private_numbers() == again.private_numbers()
    assert [p.name for p in path.parent.iterdir()] == [KEY_FILE]  # no temporary file left


def test_processes_starting_at_once_agree_on_one_key(tmp_path):
    path = tmp_path / KEY_FILE
    # Each process imports first, then waits for the same instant, so they really race.
    code = (
        "import sys, time, pathlib\n"
        "from glucolens.alerts.vapid import load_or_create_keyfile\n"
        "time.sleep(max(0.0, float(sys.argv[2]) - time.time()))\n"
        "k = load_or_create_keyfile(pathlib.Path(sys.argv[1]))\n"
        "print(k.private_numbers().private_value)\n"
    )
    start = str(time.time() + 2.0)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(path), start],
            cwd=BACKEND,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    outputs = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert len(outputs) == 1
    assert outputs == {str(load_or_create_keyfile(path).private_numbers().private_value)}


def test_a_configured_raw_key_is_used_as_web_push_tools_print_it(tmp_path):
    """`npx web-push generate-vapid-keys` prints the private key as 32 bytes in base64url."""
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    settings = Settings(data_dir=tmp_path, vapid_private_key=b64url(raw))
    keys = keys_for(settings)
    point = b64url_decode(keys.public_key)
    expected = key.public_key().public_numbers()
    assert point == b"\x04" + expected.x.to_bytes(32, "big") + expected.y.to_bytes(32, "big")
    assert not (tmp_path / KEY_FILE).exists()


def test_a_configured_key_of_the_wrong_size_is_refused(tmp_path):
    with pytest.raises(ValueError):
        keys_for(Settings(data_dir=tmp_path, vapid_private_key=b64url(b"\x01" * 31)))


@pytest.mark.parametrize(
    ("kw", "subject"),
    [
        ({"vapid_subject": "mailto:ops@example.org"}, "mailto:ops@example.org"),
        ({"public_url": "https://glucose.example.org"}, "https://glucose.example.org"),
        ({"mail_from": "GlucoLens <alerts@example.org>"}, "mailto:alerts@example.org"),
    ],
)
def test_the_subject_is_a_mailto_or_https_contact(kw, subject):
    assert subject_for(Settings(**kw)) == subject


def test_a_subject_that_is_neither_mailto_nor_https_is_refused():
    with pytest.raises(ValueError):
        subject_for(Settings(vapid_subject="ops@example.org"))


def test_a_pem_pasted_on_one_line_with_escaped_newlines_is_read(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    one_line = pem.strip().replace("\n", "\\n")
    keys = keys_for(Settings(data_dir=tmp_path, vapid_private_key=one_line))
    assert keys.signer.private_key.private_numbers() == key.private_numbers()


def test_a_broken_key_setting_makes_the_public_key_route_503_not_500(
    client, make_user, auth_headers, monkeypatch
):
    monkeypatch.setenv("GLUCOLENS_VAPID_PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\nnope\n")
    get_settings.cache_clear()
    get_vapid.cache_clear()
    try:
        r = client.get("/api/v1/alerts/push/vapid-public-key", headers=auth_headers(make_user()))
    finally:
        get_vapid.cache_clear()
    assert r.status_code == 503, r.text
    assert "VAPID" in r.json()["error"]["message"]
