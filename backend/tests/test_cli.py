"""The CLI owns its transactions: what `glucolens users create` makes is committed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from glucolens.auth.models import User


def test_users_create_commits_the_account(db):
    done = subprocess.run(  # noqa: S603 - our own CLI
        [
            sys.executable,
            "-m",
            "glucolens.cli",
            "users",
            "create",
            "--email",
            "cli-user@example.org",
            "--password",
            "a long and unusual passphrase 42",
            "--timezone",
            "Europe/Berlin",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr
    user = db.scalars(select(User).where(User.email == "cli-user@example.org")).one()
    assert user.timezone == "Europe/Berlin"
