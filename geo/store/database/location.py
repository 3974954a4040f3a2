"""Where a database is: the data folder, the URL from ``--db`` or the settings, how a URL
may be shown, and the checks of an SQLite file made before any connection to it."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote_plus

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from geo.errors import ConflictError, InputError, NotFoundError


def _data_dir() -> Path:
    """Where Gridhouse keeps its own files when not told otherwise, whatever the current
    directory: the ``data/`` folder of the project that holds this package (a source
    checkout, as ``make run`` installs it), else the per-user data folder
    ($XDG_DATA_HOME/gridhouse, by default ~/.local/share/gridhouse)."""
    project = Path(__file__).resolve().parents[3]
    if (project / "pyproject.toml").is_file() and (project / "app.py").is_file():
        return project / "data"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "gridhouse"


DATA_DIR = _data_dir()
"""The one place that decides the default location of the database, key file and logs."""
DEFAULT_PATH = DATA_DIR / "gridhouse.sqlite"


def database_url(explicit: str | None = None, *, configured: str | None = None) -> str:
    """The URL to use: ``--db`` if given, else the ``configured`` one
    (:attr:`geo.settings.Settings.database_url`), else
    :data:`DEFAULT_PATH` (``gridhouse.sqlite`` in :data:`DATA_DIR`).

    A bare file path is accepted for SQLite, and the ``postgres://`` / ``postgresql://``
    forms other tools print (libpq's, a hosting panel's) mean PostgreSQL through psycopg,
    the driver Gridhouse installs.

    >>> database_url("postgres://bob@db/gh")
    'postgresql+psycopg://bob@db/gh'
    """
    url = explicit or configured or str(DEFAULT_PATH)
    if "://" not in url:
        url = f"sqlite:///{Path(url).expanduser()}"
    scheme, rest = url.split("://", 1)
    if scheme in ("postgres", "postgresql"):
        url = f"postgresql+psycopg://{rest}"
    try:
        make_url(url)
    except (ValueError, ArgumentError) as exc:  # e.g. an unescaped "@" and ":" in a password
        raise InputError("database_url_unreadable", url=_userinfo_hidden(url)) from exc
    return url


def _userinfo_hidden(url: str) -> str:
    """A URL that does not parse, shown with everything between the user name and the last
    ``@`` hidden (where a password is, however it was typed).

    >>> _userinfo_hidden("postgresql://bob:p@ss:w@rd@db:1/x")
    'postgresql://bob:***@db:1/x'
    """
    scheme, _, rest = url.partition("://")
    at = rest.rfind("@")
    if at < 0:
        return url
    user = rest[:at].split(":", 1)[0]
    return f"{scheme}://{user}:{HIDDEN}@{rest[at + 1 :]}"


def data_folder(url: str) -> Path:
    """The folder beside a database where its own files go (logs): an SQLite file's folder,
    else :data:`DATA_DIR`."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).parent
    return DATA_DIR


SECRET_QUERY_KEYS = frozenset({"password", "passwd", "pwd", "sslpassword"})
"""Query parameters of a database URL that hold a secret (compared case-insensitively):
libpq and the drivers accept the password there as well as in ``user:password@``."""

HIDDEN = "***"
"""What a URL shows in place of a secret."""


def shown_url(url: str) -> str:
    """The URL as it may be shown to a user, in a message, the log or the health page: an
    SQLite file's path, else the URL with its password hidden, both the ``user:password@``
    form and a password-like query parameter (:data:`SECRET_QUERY_KEYS`).

    >>> shown_url("postgresql://bob:s3cret@db/gh?PassWord=s3cret&sslmode=require")
    'postgresql://bob:***@db/gh?PassWord=***&sslmode=require'

    A password holding an unescaped ``@`` is hidden whole (the host is what follows the
    last ``@``):

    >>> shown_url("postgresql://bob:s3c@ret@db/gh")
    'postgresql://bob:***@db/gh'
    """
    try:
        parsed = make_url(url)
    except (ValueError, ArgumentError):
        return _userinfo_hidden(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return parsed.database
    if parsed.host and "@" in parsed.host:
        parsed = parsed.set(host=parsed.host.rsplit("@", 1)[1], password=HIDDEN)
    shown = parsed.set(query={}).render_as_string(hide_password=True)
    pairs = [
        f"{quote_plus(key)}={HIDDEN if key.lower() in SECRET_QUERY_KEYS else quote_plus(value)}"
        for key, values in parsed.query.items()
        for value in ((values,) if isinstance(values, str) else values)
    ]
    return f"{shown}?{'&'.join(pairs)}" if pairs else shown


def sqlite_file_missing(url: str) -> bool:
    """True for an SQLite URL whose file does not exist yet (opening it would create it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return False
    return parsed.database != ":memory:" and not Path(parsed.database).exists()


SQLITE_MAGIC = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL; None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return None if parsed.database == ":memory:" else Path(parsed.database)


def check_sqlite_file(url: str) -> None:
    """Refuse, with an error that names the path, an SQLite location no Gridhouse database
    can be at or made at: a folder, a path whose folder does not exist (the data folder
    excepted: Gridhouse makes it), a file it may not read or write (or in a folder it may
    not write: SQLite keeps its journal beside the file), a file that is no SQLite database,
    or one cut short before its first page ends. A file that does not exist yet passes (the
    caller creates it or says to run ``gridhouse init``); so does any other URL. Creates
    nothing. The one check of the location before any connection, for every face."""
    path = sqlite_path(url)
    if path is None:
        return
    shown = str(path)
    if path.is_dir():
        raise InputError("database_is_folder", path=shown)
    folder = path.parent
    if not folder.is_dir():
        if is_data_folder(folder):
            return  # Gridhouse's own folder: made when the database is
        raise NotFoundError("database_folder_missing", folder=str(folder), path=shown)
    if not path.exists():
        _HEADERS_READ.add(path.resolve())  # this process makes it: its header is SQLite's
        return
    # The header is read once per file and process, before this process connects to it:
    # closing any descriptor of a file drops every POSIX lock the process holds on it, and
    # SQLite's locks on an open database would go with it (another connection could then
    # check the write-ahead log into the file and delete it under ours: "disk I/O error",
    # writes lost).
    key = path.resolve()
    if key not in _HEADERS_READ:
        _check_header(path, shown)
        _HEADERS_READ.add(key)
    if not (os.access(path, os.W_OK) and os.access(folder, os.W_OK)):
        raise ConflictError("database_read_only", path=shown)


def _check_header(path: Path, shown: str) -> None:
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except PermissionError as exc:
        raise ConflictError("database_unreadable", path=shown) from exc
    except OSError as exc:  # a device, a broken mount, ...
        raise InputError("database_not_sqlite", path=shown) from exc
    if not header:
        return  # an empty file: SQLite makes a new database in it
    if not header.startswith(SQLITE_MAGIC) and not SQLITE_MAGIC.startswith(header):
        raise InputError("database_not_sqlite", path=shown)
    if len(header) < 100:  # cut short within SQLite's own header
        raise ConflictError("database_damaged", path=shown)


_HEADERS_READ: set[Path] = set()
"""SQLite files whose header this process has read (see :func:`check_sqlite_file`)."""


def is_data_folder(folder: Path) -> bool:
    return folder.expanduser().absolute() == DATA_DIR.absolute()
