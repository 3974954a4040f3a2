"""Import registrations, residents, worksites, employment and visit results from files.

Recipe for every kind (:mod:`~geo.services.uploads.steps`): read the file -> plan its
columns (drop sensitive ones, map the rest) -> validate every cell -> in one write
transaction: open a batch, resolve what the rows name, plan the changes against the stored
rows and apply them (insert or update by natural key, keeping history), record counts, the
rejected rows and the audit row -> commit (or, for a dry run, roll back so the counts are
exact and nothing is kept). Each kind's own part is a small module under
:mod:`~geo.services.uploads.kinds`, found through :data:`~geo.services.uploads.registry.KINDS`.

Re-uploading a file whose every row was imported, with the same choices
(:func:`upload_fingerprint`: coordinate system, column mapping, mapped words, values set,
sheet), changes nothing and says so (``duplicate_of``); the same file with another choice
is a new upload. A file some of whose rows were rejected before is imported again, row by
row by natural key, so what was not imported then is imported now and the rest counts as
unchanged (``again_after``). Any batch can be undone, in the actor's areas, unless later
work builds on it (:mod:`~geo.services.uploads.batches`).
"""

from geo.services.uploads.batches import batch_rejects_csv, list_batches, undo_batch
from geo.services.uploads.model import UploadLimits, UploadResult
from geo.services.uploads.reading import (
    preview_upload,
    sheet_names,
    upload_bytes,
    upload_fingerprint,
    value_survey,
)
from geo.services.uploads.registry import KINDS, UploadKind
from geo.services.uploads.rejects import (
    record_rejects_export,
    rejected_rows,
    rejects_csv,
    rejects_xlsx,
)
from geo.services.uploads.steps import import_upload

__all__ = [
    "KINDS",
    "UploadKind",
    "UploadLimits",
    "UploadResult",
    "batch_rejects_csv",
    "import_upload",
    "list_batches",
    "preview_upload",
    "record_rejects_export",
    "rejected_rows",
    "rejects_csv",
    "rejects_xlsx",
    "sheet_names",
    "undo_batch",
    "upload_bytes",
    "upload_fingerprint",
    "value_survey",
]
