"""Compare a desired password with what a catalog holds, without revealing either.

A role's password is stored as a SCRAM-SHA-256 verifier: recomputing it from
the desired password with the stored salt and iteration count tells whether
the password changed. A user mapping's password is readable in plain text to
its owner. Where the catalog hides the value (managed services, non-superuser
access) the state is "unknown" and no change is planned.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from enum import Enum

from vtopo.spec.secrets import Sensitive

# Live value for a secret vtopo cannot read (masked or no privilege).
UNREADABLE = Sensitive("\x00vtopo:unreadable")


class SecretState(str, Enum):
    same = "same"
    different = "different"
    unknown = "unknown"


def _scram_matches(password: str, verifier: str) -> bool | None:
    """True/False if `verifier` is a SCRAM-SHA-256 verifier; None if it is another format."""
    try:
        method, rest = verifier.split("$", 1)
        iterations_salt, keys = rest.split("$", 1)
        iterations, salt = iterations_salt.split(":", 1)
        stored_key, _server_key = keys.split(":", 1)
    except ValueError:
        return None
    if method != "SCRAM-SHA-256":
        return None
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return hmac.compare_digest(hashlib.sha256(client_key).digest(), base64.b64decode(stored_key))


def compare_password(wanted: Sensitive, live: Sensitive | None) -> SecretState:
    if live is None:
        return SecretState.different  # no password set at all
    if live is UNREADABLE or live == UNREADABLE:
        return SecretState.unknown
    value = live.reveal()
    if value.startswith("SCRAM-SHA-256$"):
        matches = _scram_matches(wanted.reveal(), value)
        if matches is None:
            return SecretState.unknown
        return SecretState.same if matches else SecretState.different
    if value.startswith("md5") and len(value) == 35:
        return SecretState.unknown  # md5 verifiers need the role name; treat as unknown
    return SecretState.same if hmac.compare_digest(value.encode(), wanted.reveal().encode()) else SecretState.different
