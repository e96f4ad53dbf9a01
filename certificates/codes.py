"""Verification codes: random, short, typed by people, and with a check symbol so that a typo is
reported as a typo instead of "unknown".

12 symbols of Crockford's base-32 alphabet (no I, L, O, U): 11 random (55 bits) and one Luhn
mod 32 check symbol, which catches every single wrong symbol and most swaps of two neighbours.
Shown as ABCD-EFGH-JKMN; read back case-insensitively, ignoring spaces and dashes, with the
look-alikes O→0 and I, L→1.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 11
LENGTH = RANDOM_LENGTH + 1
_VALUE = {symbol: index for index, symbol in enumerate(ALPHABET)}
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _check_symbol(payload):
    """Luhn mod N over the alphabet (N = 32)."""
    total, factor = 0, 2
    for symbol in reversed(payload):
        addend = factor * _VALUE[symbol]
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return ALPHABET[(32 - total % 32) % 32]


def new_code():
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return payload + _check_symbol(payload)


def normalize(text):
    """The code as stored (12 symbols, upper case), or None when it cannot be one."""
    cleaned = "".join((text or "").split()).replace("-", "").upper().translate(_LOOK_ALIKES)
    if len(cleaned) != LENGTH or any(symbol not in _VALUE for symbol in cleaned):
        return None
    return cleaned


def is_well_formed(code):
    """Right length, right alphabet and the check symbol matches."""
    return code is not None and _check_symbol(code[:-1]) == code[-1]


def display(code):
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
