"""dlt sources, one sub-package per system. Each only knows its system's API: which
objects, how to page, how to read changes; dlt does state, merge and the destinations."""

import os

# dlt reports anonymous usage to dltHub unless told not to; revtruth never phones home.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
# dlt warns about every all-null column of every load at WARNING; the sync summary says what
# matters (rows, quarantine, failures). A user's own RUNTIME__LOG_LEVEL still wins.
os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
# Tables that arrive as Arrow (the product database's) get dlt's load id column like every
# other table: the build's guard tells a load that never finished by rows of a newer load id.
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")


class SourceError(RuntimeError):
    """A source's failure already phrased for its user: which system, at which address, and
    whether trying later can help. Shown as it is, not as the low-level error beneath it."""
