"""Load the secrets that protect identifiers, creating a key file (mode 0600) on first use."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from sqlalchemy.engine import make_url

from geo.privacy import Keys
from geo.store.database import DATA_DIR


def key_path_for(database_url: str, *, key_file: Path | None = None) -> Path:
    """``key_file`` (:attr:`geo.settings.Settings.key_file`) when given, else beside an
    SQLite file (``x.sqlite`` -> ``x.key``), else ``gridhouse.key`` in the data folder
    (:data:`geo.store.database.DATA_DIR`)."""
    if key_file is not None:
        return key_file.expanduser()
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).with_suffix(".key")
    return DATA_DIR / "gridhouse.key"


def load_or_create_keys(path: Path) -> Keys:
    """Read the key file, or write a new one readable by its owner only."""
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        return Keys(hmac_key=base64.b64decode(data["hmac"]), fernet_key=data["fernet"].encode())
    keys = Keys.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"hmac": base64.b64encode(keys.hmac_key).decode(), "fernet": keys.fernet_key.decode()}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle)
    return keys
