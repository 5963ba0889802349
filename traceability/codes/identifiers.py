"""Code identifiers: 60 random bits in Crockford base32 with a check character.

Printed grouped (`7KQ2-M9XH-4TAB-C`); read back in any case, with or without dashes, with Crockford's
look-alike letters (I, L → 1; O → 0) forgiven. The check character is the Luhn mod 32 digit over the
twelve others, so a single mistyped character or two swapped neighbours are caught before any lookup.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_LOOK_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
BODY_LENGTH = 12  # 12 × 5 = 60 random bits
CODE_LENGTH = BODY_LENGTH + 1


class CodeFormatError(ValueError):
    """Not a code at all (wrong length or characters)."""


class CheckCharacterError(ValueError):
    """Looks like a code, but the check character does not match: a typing mistake."""


def check_character(body: str) -> str:
    """Luhn mod 32 over the body, from the right."""
    total, factor = 0, 2
    for char in reversed(body):
        addend = factor * _VALUE[char]
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return ALPHABET[(32 - total % 32) % 32]


def new_code() -> str:
    """A fresh random code in canonical form (13 characters, no dashes)."""
    n = secrets.randbits(5 * BODY_LENGTH)
    body = "".join(ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(BODY_LENGTH)))
    return body + check_character(body)


def normalise(text: str) -> str:
    """Canonical form of what a person typed, or an error saying what is wrong with it."""
    cleaned = "".join(text.split()).replace("-", "").upper().translate(_LOOK_ALIKES)
    if len(cleaned) != CODE_LENGTH or any(c not in _VALUE for c in cleaned):
        raise CodeFormatError(text)
    if check_character(cleaned[:-1]) != cleaned[-1]:
        raise CheckCharacterError(text)
    return cleaned


def grouped(code: str) -> str:
    """For print: `7KQ2-M9XH-4TAB-C`."""
    return "-".join([code[0:4], code[4:8], code[8:12], code[12:]])
