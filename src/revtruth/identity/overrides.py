"""People's identity decisions: the overrides file (`identity_overrides.csv` by default).

Each row says two records are the same company (`same`) or are not (`different`). The file
beats every other tier (docs/metrics.md#identity), lives next to revtruth.toml, is meant to
be kept in version control, and is where `revtruth identity review` writes its answers, so
a decision survives every rebuild.

    record_a,record_b,decision,decided_at,note
    stripe:cus_N1x…,salesforce:0015g…,same,2026-12-01T10:00:00+00:00,billing entity of Acme
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from revtruth.config import Settings

COLUMNS = ("record_a", "record_b", "decision", "decided_at", "note")
DECISIONS = ("same", "different")
SOURCES = ("stripe", "salesforce", "product_db")


class OverridesError(ValueError):
    """The overrides file cannot be used as written; the message says where and why."""


@dataclass(frozen=True)
class Override:
    record_a: str  # "<source>:<id>", as mapping.company_members spells it
    record_b: str
    decision: str  # same | different
    decided_at: str = ""
    note: str = ""

    @property
    def pair(self) -> tuple[str, str]:
        return tuple(sorted((self.record_a, self.record_b)))  # type: ignore[return-value]


def overrides_path(settings: Settings) -> Path:
    path = Path(settings.identity.overrides_file).expanduser()
    return path if path.is_absolute() else settings.base_dir / path


def read_overrides(path: Path) -> list[Override]:
    """The decisions in the file, latest per pair (a later line replaces an earlier one);
    none when the file does not exist."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS[:3] if c not in (reader.fieldnames or [])]
    if missing:
        raise OverridesError(f"{path}: the header needs the columns {', '.join(COLUMNS[:3])}")
    latest: dict[tuple[str, str], Override] = {}
    for line, row in enumerate(reader, start=2):
        override = Override(
            record_a=(row.get("record_a") or "").strip(),
            record_b=(row.get("record_b") or "").strip(),
            decision=(row.get("decision") or "").strip().lower(),
            decided_at=(row.get("decided_at") or "").strip(),
            note=(row.get("note") or "").strip(),
        )
        _check(override, f"{path}, line {line}")
        latest[override.pair] = override
    return list(latest.values())


def _check(override: Override, where: str) -> None:
    for record in (override.record_a, override.record_b):
        source, _, source_id = record.partition(":")
        if source not in SOURCES or not source_id:
            raise OverridesError(
                f"{where}: {record!r} is not a record; write it as <source>:<id> with source "
                f"{', '.join(SOURCES)} (as mapping.company_members lists it)"
            )
    if override.record_a == override.record_b:
        raise OverridesError(f"{where}: a record is always its own company")
    if override.decision not in DECISIONS:
        raise OverridesError(
            f"{where}: decision must be same or different, not {override.decision!r}"
        )


def append_overrides(path: Path, decisions: Iterable[Override]) -> int:
    """Add decisions at the end of the file (created with its header if new); the latest
    line for a pair wins when the file is read. Returns how many were written."""
    rows = []
    for override in decisions:
        _check(override, "decision")
        stamped = override.decided_at or datetime.now(UTC).isoformat(timespec="seconds")
        rows.append(
            [override.record_a, override.record_b, override.decision, stamped, override.note]
        )
    if not rows:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(COLUMNS)
        writer.writerows(rows)
    return len(rows)
