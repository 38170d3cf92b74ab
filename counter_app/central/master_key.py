"""The head-office master key: encrypts store keys at rest (Fernet: AES-128-CBC + HMAC).

Given by environment (`CENTRAL_MASTER_KEY`) or a file (`--master-key-file`), never on the
command line, where every user of the machine could read it in the process list.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

ENV = "CENTRAL_MASTER_KEY"
FILE_ENV = "CENTRAL_MASTER_KEY_FILE"


class MasterKeyError(ValueError):
    """The master key is missing, malformed, or not the one the store keys were sealed with."""


class MasterKey:
    def __init__(self, key: str | bytes) -> None:
        raw = key.strip() if isinstance(key, bytes) else key.strip().encode("ascii", "replace")
        try:
            self._fernet = Fernet(raw)
        except (ValueError, TypeError):
            raise MasterKeyError(
                "the master key is not a Fernet key (44 characters of url-safe base64); "
                "make one with `counter-app central new-master-key`"
            ) from None

    @staticmethod
    def generate() -> str:
        return Fernet.generate_key().decode("ascii")

    @classmethod
    def from_file(cls, path: str | Path) -> MasterKey:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise MasterKeyError(
                f"cannot read the master key file {path}: {exc.strerror}"
            ) from None
        return cls(raw)

    @classmethod
    def resolve(cls, file: str | Path | None = None) -> MasterKey:
        """From `file`, else $CENTRAL_MASTER_KEY, else $CENTRAL_MASTER_KEY_FILE."""
        if file:
            return cls.from_file(file)
        if os.environ.get(ENV):
            return cls(os.environ[ENV])
        if os.environ.get(FILE_ENV):
            return cls.from_file(os.environ[FILE_ENV])
        raise MasterKeyError(
            f"no master key: set {ENV} (or give --master-key-file); it encrypts store keys"
        )

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            raise MasterKeyError(
                "a store key cannot be decrypted: wrong master key for this database"
            ) from None
