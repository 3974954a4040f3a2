"""Find the boundary layers inside a file as people send it: zips, KMZ, FileGDB, shapefiles.

A boundary arrives as a plain file (GeoJSON, GeoPackage, KML, a shapefile's .shp), as a zip
made by Windows "send to", 7-Zip or WinRAR (parts in a folder, file names in GBK), as a KMZ
from Google Earth, or as an Esri file geodatabase (a ``.gdb`` folder, often zipped).
:func:`open_source` unpacks what needs unpacking into a private folder and lists every
layer that could hold boundaries; :func:`shapefile_encoding` says how a shapefile's .dbf is
encoded (its .cpg, its language byte, or detected from its bytes).
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import charset_normalizer
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from geo.errors import InputError, NotFoundError

DATASET_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".kml")
CONTAINER_SUFFIXES = (".zip", ".kmz")
SUFFIXES = (*DATASET_SUFFIXES, *CONTAINER_SUFFIXES, ".gdb")

MAX_UNPACKED_BYTES = 2 * 2**30
"""A zip that would unpack to more than this is refused (a boundary file is megabytes)."""

# How people spell a code page in a .cpg file, and the name GDAL reads it by.
_CPG_NAMES = {
    "936": "GB18030",
    "CP936": "GB18030",
    "GBK": "GB18030",
    "GB2312": "GB18030",
    "GB18030": "GB18030",
    "ANSI936": "GB18030",
    "WINDOWS-936": "GB18030",
    "54936": "GB18030",
    "950": "BIG5",
    "CP950": "BIG5",
    "BIG5": "BIG5",
    "UTF-8": "UTF-8",
    "UTF8": "UTF-8",
    "65001": "UTF-8",
    "CP65001": "UTF-8",
    "1252": "CP1252",
    "CP1252": "CP1252",
    "ANSI1252": "CP1252",
    "88591": "ISO-8859-1",
    "ISO88591": "ISO-8859-1",
    "ISO-8859-1": "ISO-8859-1",
    "LATIN1": "ISO-8859-1",
}
# A .dbf header's language driver byte (LDID) for the Chinese code pages.
_LDID_NAMES = {0x4D: "GB18030", 0x7A: "GB18030", 0x4E: "BIG5", 0x78: "BIG5"}
_DETECTED_NAMES = {
    "gb18030": "GB18030",
    "gbk": "GB18030",
    "gb2312": "GB18030",
    "hz": "GB18030",
    "big5": "BIG5",
    "big5hkscs": "BIG5",
    "cp950": "BIG5",
    "utf_8": "UTF-8",
    "ascii": "UTF-8",
}


@dataclass(frozen=True)
class Layer:
    """One layer that may hold boundaries: where GDAL opens it and what the user calls it."""

    source: Path
    name: str | None
    label: str
    geometry_type: str
    kind: str
    """'kml' (folders of one drawing, read together) or 'table' (one layer of a dataset)."""

    @property
    def polygonal(self) -> bool:
        return "Polygon" in self.geometry_type


@dataclass(frozen=True)
class Encoding:
    """How the text of a layer was decoded: the code page and how it was decided."""

    name: str
    how: str
    """'cpg' (the .cpg file), 'dbf' (the .dbf's language byte), 'detected' or 'format'."""


@contextmanager
def open_source(path: Path) -> Iterator[list[Layer]]:
    """Every layer of ``path`` that may hold boundaries; zips and KMZ unpacked for the while.

    Recipe: check the path -> unpack a container into a private folder (folders and GBK file
    names kept) -> find the datasets in it -> list their layers.
    """
    suffix = path.suffix.lower()
    if not path.exists():
        raise NotFoundError("file_not_found", path=str(path))
    if suffix not in SUFFIXES:
        raise InputError("boundary_format", path=path.name, formats=", ".join(SUFFIXES))
    if suffix in CONTAINER_SUFFIXES:
        with tempfile.TemporaryDirectory(prefix="boundary-") as folder:
            root = Path(folder)
            _unpack(path, root)
            datasets = _datasets_in(root)
            if not datasets:
                raise InputError(
                    "boundary_zip_empty", path=path.name, formats=", ".join(DATASET_SUFFIXES)
                )
            yield _layers(datasets, root=root, container=path.name)
        return
    yield _layers([path], root=path.parent, container=path.name)


def _unpack(path: Path, root: Path) -> None:
    """Unpack a zip into ``root``, decoding names the way the zip's maker wrote them."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                raise InputError("file_unreadable", path=path.name)
            for member in members:
                parts = _member_parts(member)
                if not parts or member.is_dir():
                    continue
                target = root.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, target.open("wb") as out:
                    while chunk := source.read(1 << 20):
                        out.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise InputError("file_unreadable", path=path.name) from exc


def _member_parts(member: zipfile.ZipInfo) -> list[str]:
    """The folders and name of a zip member, safe to join under a folder of our own.

    Zips from Chinese Windows hold GBK names without the UTF-8 flag; Python reads those as
    CP437, so the bytes are taken back and decoded as UTF-8 when they are, else as GB18030.
    """
    name = member.filename
    if not member.flag_bits & 0x800:
        raw = name.encode("cp437", errors="replace")
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError:
            name = raw.decode("gb18030", errors="replace")
    parts = PurePosixPath(name.replace("\\", "/")).parts
    safe = [p for p in parts if p not in ("", ".", "..", "/") and ":" not in p]
    if any(p.startswith(("__MACOSX", "._")) for p in safe):
        return []
    return safe


def _datasets_in(root: Path) -> list[Path]:
    found: list[Path] = []
    for item in sorted(root.rglob("*")):
        if any(part.lower().endswith(".gdb") for part in item.relative_to(root).parts[:-1]):
            continue  # a file inside a geodatabase folder, which is read as a whole
        suffix = item.suffix.lower()
        if (item.is_dir() and suffix == ".gdb") or (item.is_file() and suffix in DATASET_SUFFIXES):
            found.append(item)
    return found


def _layers(datasets: list[Path], *, root: Path, container: str) -> list[Layer]:
    layers: list[Layer] = []
    for dataset in datasets:
        shown = dataset.relative_to(root).as_posix() if dataset.is_relative_to(root) else ""
        try:
            listed = pyogrio.list_layers(dataset)
        except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
            if len(datasets) > 1:  # a stray .json beside the shapefile in a zip, say
                continue
            raise InputError("file_unreadable", path=shown or container) from exc
        kml = dataset.suffix.lower() == ".kml"
        several = len(listed) > 1
        for name, geometry_type in listed:
            if dataset.suffix.lower() == ".shp":
                label = str(PurePosixPath(shown).with_suffix("")) if shown else str(name)
            elif several or dataset.suffix.lower() == ".gdb" or len(datasets) > 1:
                label = f"{PurePosixPath(shown).stem}:{name}" if len(datasets) > 1 else str(name)
            else:
                label = str(name)
            layers.append(
                Layer(
                    source=dataset,
                    name=str(name),
                    label=label,
                    geometry_type=str(geometry_type or "Unknown"),
                    kind="kml" if kml else "table",
                )
            )
    if not layers:
        raise InputError("file_unreadable", path=container)
    return layers


def shapefile_encoding(shp: Path) -> Encoding:
    """How a shapefile's .dbf text is encoded, and how that was decided.

    A .cpg in any common spelling (936, GBK, CP936, UTF-8, 65001) is honoured; else the
    .dbf's language byte; else the text is UTF-8 when it decodes as UTF-8 and otherwise
    what charset-normalizer detects (ArcGIS and Chinese QGIS write GBK without a .cpg).
    """
    cpg = _sibling(shp, ".cpg")
    if cpg is not None:
        spelled = re.sub(r"[\s_]", "", cpg.read_bytes().decode("ascii", errors="ignore"))
        known = _CPG_NAMES.get(spelled.upper())
        dbf = _sibling(shp, ".dbf")
        # A .cpg copied from a template says UTF-8 over GBK text: the bytes decide then.
        if known == "UTF-8" and dbf is not None and not _decodes_as_utf8(dbf.read_bytes()):
            return Encoding(detect_text_encoding(_dbf_text(dbf.read_bytes())), "detected")
        if known:
            return Encoding(known, "cpg")
    dbf = _sibling(shp, ".dbf")
    if dbf is None:
        return Encoding("UTF-8", "format")
    raw = dbf.read_bytes()
    if len(raw) > 29 and raw[29] in _LDID_NAMES:
        return Encoding(_LDID_NAMES[raw[29]], "dbf")
    return Encoding(detect_text_encoding(_dbf_text(raw)), "detected")


def detect_text_encoding(raw: bytes) -> str:
    """The code page of the text in ``raw`` (a .dbf body): UTF-8 when it decodes as UTF-8,
    else what charset-normalizer finds among the runs of printable bytes.

    >>> detect_text_encoding("东湖社区 330110901001".encode("gbk"))
    'GB18030'
    >>> detect_text_encoding("东湖社区".encode("utf-8"))
    'UTF-8'
    """
    text = b" ".join(re.findall(rb"[^\x00-\x20]+", raw))
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "UTF-8"
    best = charset_normalizer.from_bytes(text).best()
    names = [best.encoding, *best.encoding_aliases] if best is not None else []
    for name in names:
        if name.lower() in _DETECTED_NAMES:
            return _DETECTED_NAMES[name.lower()]
    # Not UTF-8 and nothing certain: the code page of Chinese Windows is by far the likeliest.
    return "GB18030" if best is None else best.encoding.upper()


def _dbf_text(raw: bytes) -> bytes:
    """The text of a .dbf: its field names and its records, without the binary header."""
    if len(raw) < 32:
        return b""
    header = int.from_bytes(raw[8:10], "little")
    names = [
        _whole_characters(raw[i : i + 11].rstrip(b"\x00"))
        for i in range(32, max(32, header - 1), 32)
        if raw[i] != 0x0D
    ]
    return b" ".join(names) + b" " + raw[header:]


def _whole_characters(name: bytes) -> bytes:
    """A field name without the half character left where a writer cut a UTF-8 name at
    its 10 bytes (社区名称 keeps 社区名 and one byte of 称)."""
    for cut in range(4):
        try:
            (name[: len(name) - cut] if cut else name).decode("utf-8")
        except UnicodeDecodeError:
            continue
        return name[: len(name) - cut] if cut else name
    return name


def _decodes_as_utf8(raw: bytes) -> bool:
    try:
        b" ".join(re.findall(rb"[^\x00-\x20]+", _dbf_text(raw))).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _sibling(path: Path, suffix: str) -> Path | None:
    for candidate in path.parent.glob(f"{glob_escape(path.stem)}.*"):
        if candidate.suffix.lower() == suffix and candidate.stem == path.stem:
            return candidate
    return None


def glob_escape(text: str) -> str:
    """``text`` with glob's special characters taken literally."""
    return re.sub(r"([*?\[])", r"[\1]", text)
