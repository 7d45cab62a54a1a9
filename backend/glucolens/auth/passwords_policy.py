"""What a new password must satisfy: length, not common, not the email.

No composition rules (ASVS 2.1.9): length and a blocklist do more for real passwords.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from glucolens.core.errors import ValidationFailed

MIN_LENGTH = 10
# ASVS 2.1.2 permits 64+ characters and denies more than 128.
MAX_LENGTH = 128


@lru_cache
def common_passwords() -> frozenset[str]:
    """The shipped blocklist, lower-cased; entries shorter than MIN_LENGTH fail anyway."""
    text = resources.files("glucolens.auth").joinpath("data/common-passwords.txt").read_text()
    return frozenset(
        line
        for line in (raw.strip() for raw in text.splitlines())
        if line and not line.startswith("#") and len(line) >= MIN_LENGTH
    )


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why ``password`` is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.strip().lower()
    if email:
        email = email.strip().lower()
        if lowered in (email, email.partition("@")[0]):
            return "The password must not be your email address."
    if lowered in common_passwords():
        return "This password is too common; choose a less guessable one."
    return None


def check_password(password: str, email: str | None = None, field: str = "password") -> None:
    """Raise ValidationFailed (422) naming ``field`` when the password is refused."""
    problem = password_problem(password, email)
    if problem:
        raise ValidationFailed(problem, details=[{"field": field, "reason": problem}])
