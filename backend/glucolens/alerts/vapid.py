"""The server's VAPID key pair for Web Push (RFC 8292).

The private key comes from ``GLUCOLENS_VAPID_PRIVATE_KEY`` (PEM, or the raw 32-byte P-256
scalar in base64url as ``npx web-push generate-vapid-keys`` prints it), or is generated once
into ``<data_dir>/vapid_private.pem`` (mode 0600). Browsers bind each push subscription to the
public key they were given, so the key must never change silently: every process and every
restart has to read the same one. The file is therefore created race-free (written to a
private temporary file, then hard-linked into place, which fails if another process got there
first) instead of being overwritten by whichever process starts last.
"""

from __future__ import annotations

import base64
import os
import tempfile
import time
from dataclasses import dataclass
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from glucolens.core.config import Settings, get_settings

KEY_FILE = "vapid_private.pem"


@dataclass(frozen=True)
class VapidKeys:
    signer: Vapid02
    # The browser's PushManager.subscribe({applicationServerKey}) form: the uncompressed
    # P-256 point (65 bytes) in base64url without padding.
    public_key: str
    subject: str


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """Strict base64url (padding optional); raises ValueError on anything else."""
    if not text or any(c not in _B64URL for c in text.rstrip("=")):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _key_from_setting(value: str) -> ec.EllipticCurvePrivateKey:
    value = value.strip()
    if value.startswith("-----BEGIN") and "\\n" in value:
        value = value.replace("\\n", "\n")  # a PEM pasted into .env on one line
    if value.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(value.encode(), password=None)
        except (TypeError, ValueError, UnsupportedAlgorithm) as exc:
            raise ValueError("the VAPID key is not an unencrypted PEM private key") from exc
    else:
        raw = b64url_decode(value)
        if len(raw) != 32:
            raise ValueError("GLUCOLENS_VAPID_PRIVATE_KEY must be PEM or 32 bytes base64url")
        key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("the VAPID key must be a P-256 (prime256v1) key")
    return key


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_or_create_keyfile(path: Path) -> ec.EllipticCurvePrivateKey:
    """The key in ``path``, generated there first if absent; safe when several processes
    start at once (all end up with the first writer's key)."""
    for _ in range(50):
        if path.exists():
            try:
                return _key_from_setting(path.read_text())
            except ValueError:
                # Only the non-link fallback below can expose a half-written file: wait.
                time.sleep(0.02)
                continue
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = _pem(ec.generate_private_key(ec.SECP256R1()))
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".vapid-")  # created 0600
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)  # atomic, never replaces another process's key
            except FileExistsError:
                continue
            except OSError:
                _create_exclusive(path, pem)  # a filesystem without hard links
        finally:
            Path(tmp).unlink(missing_ok=True)
    raise RuntimeError("could not read or create the VAPID key file")


def _create_exclusive(path: Path, pem: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def subject_for(settings: Settings) -> str:
    """RFC 8292's 'sub': a contact for the push service's operator (mailto: or https:)."""
    if settings.vapid_subject:
        sub = settings.vapid_subject.strip()
        if not sub.startswith(("mailto:", "https://")):
            raise ValueError("GLUCOLENS_VAPID_SUBJECT must start with mailto: or https://")
        return sub
    public = settings.resolved_public_url
    if public.startswith("https://"):
        return public
    address = parseaddr(settings.mail_from)[1] or "no-reply@glucolens.local"
    return f"mailto:{address}"


def keys_for(settings: Settings) -> VapidKeys:
    if settings.vapid_private_key:
        key = _key_from_setting(settings.vapid_private_key)
    else:
        key = load_or_create_keyfile(settings.data_dir / KEY_FILE)
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(signer=Vapid02(key), public_key=b64url(point), subject=subject_for(settings))


@lru_cache
def get_vapid() -> VapidKeys:
    return keys_for(get_settings())
