"""Facilitator and analyst sign-in: scrypt password hashes, constant-time checks, growing delays.

`st.login` needs an online identity provider, which a workshop room rarely has; a password hash in
secrets or the environment works offline.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

FACILITATOR, ANALYST = "facilitator", "analyst"
ROLES = (FACILITATOR, ANALYST)
# scrypt cost: about 50 ms here; slow enough to make guessing expensive, fast enough for one sign-in.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
FREE_ATTEMPTS = 3
MAX_DELAY_SECONDS = 300
FAILURE_WINDOW = timedelta(minutes=15)


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$salt$hash`, base64 parts; the string to put in secrets.toml."""
    if not password:
        raise ValueError("empty password")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt)}${b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """Constant-time comparison against a stored scrypt hash; a malformed hash never verifies."""
    if not stored or not password:
        return False
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
        actual = hashlib.scrypt(password.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def is_valid_hash(stored: str | None) -> bool:
    parts = (stored or "").split("$")
    return len(parts) == 6 and parts[0] == "scrypt" and all(parts[1:])


def lockout_delay(failures: int) -> int:
    """Seconds to wait before the next try after `failures` recent failed attempts.

    Examples:
        >>> [lockout_delay(n) for n in (0, 2, 3, 4, 5, 12)]
        [0, 0, 2, 4, 8, 300]
    """
    if failures < FREE_ATTEMPTS:
        return 0
    return min(2 ** (failures - FREE_ATTEMPTS + 1), MAX_DELAY_SECONDS)


def seconds_until_allowed(failure_times: Sequence[datetime], now: datetime) -> int:
    """Wait left, counting only failures since the last success inside the window (caller filters)."""
    recent = sorted(t for t in failure_times if now - t <= FAILURE_WINDOW)
    delay = lockout_delay(len(recent))
    if not delay or not recent:
        return 0
    remaining = (recent[-1] + timedelta(seconds=delay) - now).total_seconds()
    return max(0, int(remaining + 0.999))
