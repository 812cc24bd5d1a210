"""Identity resolution against the simulator's ground truth: accuracy per noise level, and
time and memory at 3 × 100,000 records.

**1. Accuracy** (`--levels`, `--seeds`). For each identity noise level and seed: run the demo
(generate → serve → sync → build, all on 127.0.0.1) in a temporary folder and compare
`mapping.identity_links` (company_id, source, source_id) with the ground truth's
`company_of`, and each Stripe customer's company's `is_zombie` and seed health label
(`analytics.account_health` through `mapping.identity_links`: a company with two billing
customers has one row there) with `zombie_stripe_customer_ids` and
`seed_health_by_stripe_customer_id`. Pairwise precision and recall: all pairs of records placed in
one company against all pairs of records of one true company. A row per run as soon as it is
measured, then the minimum over seeds per level.

**2. Scale: 3 × 100,000 records** (`--scale-records` per system). No simulated company of
that size can be generated end to end, so:

  a. a small `no_keys` demo (`--scale-seed`) is built up to the identity inputs only
     (`run_demo(select=revtruth.build.IDENTITY_INPUTS)`: staging and the identity models);
  b. its six staging tables the identity models read (Stripe customers, Salesforce
     accounts, contacts, opportunities, product tenants, users) are copied ~550 times into
     a new warehouse, every copy a different set of companies: ids suffixed; the word that
     names each company (its first word, "Cobalt" in "Cobalt Analytics"; both words of
     "Harbor & Fern") given a prefix of its own per copy wherever the company's records
     spell it, in names, emails, websites, typos included ("Cobatl" → "Zocobatl", so a typo
     stays a typo); people's last names likewise ("noah.moreau" → "noah.kumoreau"); each
     agency's domain made one per copy; initials take the first letter of the prefix ("RCG"
     → "ZCG", so initials spread over a-z as names do, and repeat across copies 1 in 26);
     each company's dates moved by one offset per copy (within the simulator's 730-day
     history, wrapping round, days between its records kept). The industry words
     (Analytics, Labs, …), legal forms, region tags and first names are the simulator's own
     and repeat across copies, as common words do in real names;
  c. the real dbt identity models (`revtruth.identity.warehouse_io.INPUTS`) are built on
     that warehouse with `revtruth.transform.build` — tables, as in every build (their
     time is printed apart: it belongs to the build, and the ≤ 60 s target is resolution);
  d. `revtruth.identity.resolve(settings)` runs on it in a subprocess of its own (so peak
     RSS is that run's), as `revtruth build` runs it between its two halves.

Timed (the figure for the ≤ 60 s target): d, all of `resolve` — reading the identity
tables, the Splink model (records, training, prediction), clustering and writing
`identity.*` back through dlt; peak RSS is the subprocess's maximum resident set. Not in
that figure: a and b (building the small demo, copying it), c (`dbt build` of the identity
tables and their tests, timed and printed on its own line), and afterwards, in the same
subprocess, counting the pairs the blocking rules make (Splink
`count_comparisons_from_blocking_rules`: exact up to 20,000 records, beyond that Splink's
estimate from a sample, printed with "~").
Precision and recall are against each copied record's true company (copy, company key).

    python benchmarks/identity.py                              # both parts (about an hour)
    python benchmarks/identity.py --levels no_keys --seeds 101     # part 1 only, as given
    python benchmarks/identity.py --levels high --scale            # part 1 as given, and 2
    python benchmarks/identity.py --scale-only
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from revtruth.simulate.truth import compare

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

LEVELS = ("none", "low", "medium", "high", "no_keys")
DEFAULT_SEEDS = (101, 202, 303)  # not the seeds identity was tuned on (42, 7, 1234, 99, …)
STAGING = (
    "stg_stripe__customers",
    "stg_salesforce__accounts",
    "stg_salesforce__contacts",
    "stg_salesforce__opportunities",
    "stg_product_db__tenants",
    "stg_product_db__users",
)
REFERENCE = ("free_mail_domains", "region_countries", "company_name_words")
# Per staging table: the column whose id is the record's (its company), the id columns
# (suffixed per copy), the text columns rewritten per copy, the dates moved per copy.
TABLES = {
    "stg_stripe__customers": (
        "customer_id",
        ("customer_id", "metadata_salesforce_account_id"),
        ("customer_name", "email", "email_normalized"),
        ("created_at",),
    ),
    "stg_salesforce__accounts": (
        "account_id",
        ("account_id", "stripe_customer_id", "owner_id"),
        ("account_name", "website"),
        ("created_at", "modified_at"),
    ),
    "stg_salesforce__contacts": (
        "account_id",
        ("contact_id", "account_id"),
        ("first_name", "last_name", "email", "email_normalized"),
        ("created_at",),
    ),
    "stg_salesforce__opportunities": (
        "account_id",
        ("opportunity_id", "account_id", "owner_id"),
        ("opportunity_name",),
        ("close_date", "created_at", "modified_at"),
    ),
    "stg_product_db__tenants": (
        "tenant_id",
        ("tenant_id", "stripe_customer_id"),
        ("tenant_name", "slug"),
        ("created_at",),
    ),
    "stg_product_db__users": (
        "tenant_id",
        ("user_id", "tenant_id"),
        ("email", "email_normalized", "full_name"),
        ("created_at",),
    ),
}
NAME_COLUMNS = ("customer_name", "account_name", "tenant_name", "opportunity_name")
HISTORY_DAYS = 730  # the simulator's history (simulate/company/generator.py)


def emit(line: str = "") -> None:
    print(line, flush=True)


# ------------------------------------------------------------------ pairwise accuracy


# ------------------------------------------------------------------ 1. accuracy per level


def measure(level: str, seed: int, keep: Path | None = None) -> dict:
    import contextlib

    import duckdb

    from revtruth.demo import run_demo

    if keep:  # the run's folder stays, to look into what it found
        folder_of_run = contextlib.nullcontext(keep / f"{level}-{seed}")
    else:
        folder_of_run = tempfile.TemporaryDirectory()
    with folder_of_run as folder:
        started = time.perf_counter()
        result = run_demo(Path(folder), seed=seed, identity_noise=level)
        seconds = time.perf_counter() - started
        truth = json.loads(result.ground_truth_path.read_text())
        con = duckdb.connect(str(result.warehouse_path), read_only=True)
        links = con.execute(
            "select company_id, source, source_id from mapping.identity_links"
        ).fetchall()
        # zombie and label are a company's: every billing customer of it carries them
        health = con.execute(compare.BILLING_CUSTOMER_HEALTH).fetchall()
        reconciliation = compare.reconciliation_differences(con, truth)
        time_to_value = compare.time_to_value_differences(con, truth)
        con.close()
    accuracy = compare.pairwise(
        {source_id: company for company, _, source_id in links}, truth["company_of"]
    )
    flagged = {customer for customer, zombie, _ in health if zombie}
    zombies = set(truth["zombie_stripe_customer_ids"])
    labels = {customer: label for customer, _, label in health}
    expected_labels = truth["seed_health_by_stripe_customer_id"]
    return {
        "level": level,
        "seed": seed,
        "seconds": seconds,
        **accuracy,
        "zombies_flagged": len(flagged),
        "zombies_true": len(zombies),
        "zombies_false": len(flagged - zombies),
        "zombies_missed": len(zombies - flagged),
        "labels_wrong": sum(labels.get(k) != v for k, v in expected_labels.items()),
        "labels": len(expected_labels),
        # rows of the reconciliation marts and companies' time to value unlike the truth
        "reconciliation_off": len(reconciliation),
        "time_to_value_off": len(time_to_value),
    }


ACCURACY_HEADER = (
    f"{'level':<8}{'seed':>5}{'secs':>6}{'records':>8}{'precision':>10}{'recall':>8}"
    f"{'companies found/true':>22}{'zombies flagged/true/false/missed':>35}"
    f"{'labels wrong':>14}{'recon off':>11}{'ttv off':>9}"
)


def accuracy_row(r: dict) -> str:
    companies = f"{r['found']}/{r['true']}"
    zombies = (
        f"{r['zombies_flagged']}/{r['zombies_true']}/{r['zombies_false']}/{r['zombies_missed']}"
    )
    return (
        f"{r['level']:<8}{r['seed']:>5}{r['seconds']:>6.0f}{r['records']:>8}"
        f"{r['precision']:>10.4f}{r['recall']:>8.4f}{companies:>22}{zombies:>35}"
        f"{str(r['labels_wrong']) + '/' + str(r['labels']):>14}"
        f"{r['reconciliation_off']:>11}{r['time_to_value_off']:>9}"
    )


def exact(runs: list[dict], measure: str) -> str:
    """How many runs have nothing off in `measure`, of how many."""
    return f"{sum(r[measure] == 0 for r in runs)}/{len(runs)}"


def accuracy(levels: list[str], seeds: list[int], keep: Path | None = None) -> bool:
    emit("1. Identity accuracy per noise level (run_demo, small: 200 companies)")
    emit(ACCURACY_HEADER)
    rows: dict[str, list[dict]] = {}
    failed = False
    for level in levels:
        for seed in seeds:
            try:
                row = measure(level, seed, keep)
            except RuntimeError as error:  # a failed demo or build must not hide the others
                failed = True
                emit(f"{level:<8}{seed:>5}  failed: {type(error).__name__}: {error}")
                continue
            rows.setdefault(level, []).append(row)
            emit(accuracy_row(row))
    emit()
    emit("Minimum over seeds per level (worst companies gap and false zombies: maximum)")
    emit(
        f"{'level':<8}{'runs':>5}{'precision':>10}{'recall':>8}"
        f"{'|found-true|':>14}{'false zombies':>15}{'missed zombies':>16}{'labels wrong':>14}"
        f"{'exact recon':>13}{'exact ttv':>11}"
    )
    for level, runs in rows.items():
        emit(
            f"{level:<8}{len(runs):>5}{min(r['precision'] for r in runs):>10.4f}"
            f"{min(r['recall'] for r in runs):>8.4f}"
            f"{max(abs(r['found'] - r['true']) for r in runs):>14}"
            f"{max(r['zombies_false'] for r in runs):>15}"
            f"{max(r['zombies_missed'] for r in runs):>16}"
            f"{max(r['labels_wrong'] for r in runs):>14}"
            f"{exact(runs, 'reconciliation_off'):>13}{exact(runs, 'time_to_value_off'):>11}"
        )
    emit()
    return not failed


# ------------------------------------------------------------------ 2. scale: the copies

_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"
INITIAL = "initial:"  # a slot for the first letter of a prefix only


def _prefixes(rng: random.Random, count: int) -> list[str]:
    """`count` distinct pronounceable prefixes, their first letters spread over a-z ("zoku",
    "asev"), so that initials made of them spread too."""
    made: dict[str, None] = {}
    while len(made) < count:
        first = rng.choice("abcdefghijklmnopqrstuvwxyz")
        vowel = first in _VOWELS
        rest = [rng.choice(_CONSONANTS if (i % 2 == 0) == vowel else _VOWELS) for i in range(3)]
        made.setdefault(first + "".join(rest), None)
    return list(made)


def _edits(a: str, b: str) -> int:
    """Optimal-string-alignment distance: letters changed, dropped, added or two swapped."""
    previous2, previous = [], list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(
                previous[j] + 1,
                row[j - 1] + 1,
                previous[j - 1] + (a[i - 1] != b[j - 1]),
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], previous2[j - 2] + 1)
        previous2, previous = previous, row
    return previous[-1]


class Rewriter:
    """Where in a base string a copy's prefixes go: before each spelling of its company's
    naming words, before people's last names, before agency domains."""

    def __init__(self, plan) -> None:
        from revtruth.simulate.company import domains, names
        from revtruth.simulate.company.spelling import split_legal

        first_words = {w.lower() for w in names.FIRST_WORDS}
        self.words_of: dict[str, list[tuple[str, str]]] = {}
        for company in plan.companies:
            tokens = split_legal(company.name)[0].split(" ")
            naming = [tokens[0]] + [tokens[i + 1] for i, t in enumerate(tokens[:-1]) if t == "&"]
            words = []
            for word in (w.lower() for w in naming):
                # a near twin ("Novo Data" of "Nova Data") shares its original's prefix
                key = word if word in first_words else None
                key = key or next((f for f in sorted(first_words) if _edits(word, f) <= 1), word)
                words.append((word, "word:" + key))
            self.words_of[company.company_key] = words
        self.last_names = {n.lower() for n in names._LAST_NAMES}
        first = "|".join(sorted((n.lower() for n in names._FIRST_NAMES), key=len, reverse=True))
        last = "|".join(sorted(self.last_names, key=len, reverse=True))
        self.person = [
            re.compile(rf"(?:{first})[.\-]?({last})"),  # noah.moreau, noahmoreau12, liamito
            re.compile(rf"(?<![a-z])({last})(?:{first})"),  # moreaunoah.net
        ]
        self.agencies = tuple(domains.AGENCIES)

    def slots(self, text: str, company: str | None, column: str) -> list[tuple[int, str]]:
        low = text.lower()
        found: dict[int, str] = {}
        for word, key in self.words_of.get(company, ()):
            hits = [m.start() for m in re.finditer(re.escape(word), low)]
            if not hits and column in NAME_COLUMNS and len(word) >= 4:
                # a typo (names only: emails and websites have none): the first window of
                # the name one edit away
                hits = next(
                    (
                        [i]
                        for size in (len(word), len(word) - 1, len(word) + 1)
                        for i in range(len(low) - size + 1)
                        if _edits(low[i : i + size], word) <= 1
                    ),
                    [],
                )
            if not hits and column in NAME_COLUMNS:
                # initials ("RCG" for River Commerce Global): the first letter is the word's
                first = next((m for m in re.finditer("[A-Za-z]+", text) if m[0] != "The"), None)
                if first and 2 <= len(first[0]) <= 5 and first[0][0].lower() == word[0]:
                    found.setdefault(first.start(), INITIAL + key)
            for i in hits:
                found.setdefault(i, key)
        if column == "last_name" and low in self.last_names:
            found.setdefault(0, "person:" + low)
        elif column == "full_name":
            parts = text.split(" ")
            if len(parts) == 2 and parts[1].lower() in self.last_names:
                found.setdefault(len(parts[0]) + 1, "person:" + parts[1].lower())
        elif column in ("email", "email_normalized", "website"):
            for pattern in self.person:
                for match in pattern.finditer(low):
                    found.setdefault(match.start(1), "person:" + match.group(1))
            for agency in self.agencies:
                at = low.find("@" + agency)
                if at >= 0:
                    found.setdefault(at + 1, "agency:" + agency)
        return sorted(found.items())

    def template(self, text, company, column):
        """The text as pieces: literal strings and (key, style, rest-of-word) slots."""
        if not isinstance(text, str):
            return text
        slots = self.slots(text, company, column)
        if not slots:
            return text
        pieces, at = [], 0
        for position, key in slots:
            pieces.append(text[at:position])
            if key.startswith(INITIAL):  # "RCG" → "ZCG": the prefix's first letter
                pieces.append((key, "upper" if text[position].isupper() else "lower"))
                at = position + 1
                continue
            segment = text[position : position + 2]
            style = (
                "upper"
                if segment.isupper() and len(segment) == 2
                else "title"
                if segment[:1].isupper()
                else "lower"
            )
            pieces.append((key, style))
            at = position + (1 if style == "title" else 0)
            if style == "title":  # "Cobalt" → "Zocobalt": the capital moves to the prefix
                pieces.append(text[position].lower())
        pieces.append(text[at:])
        return pieces


def render(template, prefixes: dict[str, str]):
    if not isinstance(template, list):
        return template
    out = []
    for piece in template:
        if isinstance(piece, str):
            out.append(piece)
        else:
            key = piece[0]
            prefix = prefixes[key.removeprefix(INITIAL)][: 1 if key.startswith(INITIAL) else None]
            out.append(
                prefix.upper()
                if piece[1] == "upper"
                else prefix.capitalize()
                if piece[1] == "title"
                else prefix
            )
    return "".join(out)


def copy_company(base_warehouse: Path, truth: dict, plan, copies: int, target: Path) -> dict:
    """Write `copies` copies of the base demo's staging tables (and the reference seeds)
    into the warehouse `target`; return each copied record's true company by node key."""
    import duckdb
    import pyarrow as pa

    rng = random.Random(f"identity-benchmark:{copies}")
    company_of = truth["company_of"]
    rewriter = Rewriter(plan)
    base = duckdb.connect(str(base_warehouse), read_only=True)
    tables = {name: base.sql(f"select * from staging.{name}").to_arrow_table() for name in STAGING}
    seeds = {
        name: base.sql(f"select * from reference.{name}").to_arrow_table() for name in REFERENCE
    }
    base.close()

    # every key a prefix of its own in each copy (distinct across copies)
    keys: set[str] = set()
    templates = {}
    for name, (owner, _, texts, _) in TABLES.items():
        rows = tables[name].to_pylist()
        companies = [company_of.get(row[owner]) for row in rows]
        templates[name] = (
            rows,
            companies,
            {
                column: [
                    rewriter.template(row[column], c, column)
                    for row, c in zip(rows, companies, strict=True)
                ]
                for column in texts
            },
        )
        for column_templates in templates[name][2].values():
            for t in column_templates:
                if isinstance(t, list):
                    keys.update(p[0].removeprefix(INITIAL) for p in t if isinstance(p, tuple))
    prefixes_by_key = {key: _prefixes(rng, copies) for key in sorted(keys)}
    anchors = {c.company_key: c.created_at for c in plan.companies}
    end = max(anchors.values())
    offsets = [rng.randrange(HISTORY_DAYS) for _ in range(copies)]

    con = duckdb.connect(str(target))
    con.execute("create schema staging; create schema reference")
    for name, table in seeds.items():
        con.register("seed", table)
        con.execute(f"create table reference.{name} as select * from seed")
        con.unregister("seed")
    truth_by_node: dict[str, str] = {}
    node_prefix = {
        "stg_stripe__customers": "stripe:",
        "stg_salesforce__accounts": "salesforce:",
        "stg_product_db__tenants": "product_db:",
    }
    for name, (owner, ids, texts, dates) in TABLES.items():
        rows, companies, text_templates = templates[name]
        schema = tables[name].schema
        columns: dict[str, list] = {field.name: [] for field in schema}
        for copy in range(copies):
            prefixes = {key: values[copy] for key, values in prefixes_by_key.items()}
            suffix = f"-r{copy}"
            shifts = []
            for row, company in zip(rows, companies, strict=True):
                anchor = anchors.get(company) or row[dates[0]]
                days = offsets[copy]
                # wrapping round the history: the company's records move together
                if isinstance(anchor, datetime) and (anchor + timedelta(days=days)) > end:
                    days -= HISTORY_DAYS
                shifts.append(timedelta(days=days))
            for column in columns:
                values = [row[column] for row in rows]
                if column in ids:
                    values = [None if v is None else f"{v}{suffix}" for v in values]
                elif column in texts:
                    values = [render(t, prefixes) for t in text_templates[column]]
                elif column in dates:
                    values = [
                        None if v is None else v + s for v, s in zip(values, shifts, strict=True)
                    ]
                columns[column].extend(values)
            if name in node_prefix:
                for row, company in zip(rows, companies, strict=True):
                    node = f"{node_prefix[name]}{row[owner]}{suffix}"
                    truth_by_node[node] = f"{company or node}@{copy}"
        con.register("copied", pa.table(columns, schema=schema))
        con.execute(f"create table staging.{name} as select * from copied")
        con.unregister("copied")
    con.close()
    return truth_by_node


# ------------------------------------------------------------------ 2. scale: the timed run


def _time(owner, attribute: str, label: str, phases: dict, results: dict | None = None):
    original = getattr(owner, attribute)

    @functools.wraps(original)
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            value = original(*args, **kwargs)
            if results is not None:
                results[label] = value
            return value
        finally:
            phases.setdefault(label, []).append(round(time.perf_counter() - started, 2))

    setattr(owner, attribute, timed)


def child_resolve(directory: str, today: str) -> None:
    """In its own process: `resolve` on the copied warehouse, timed by phase; then (not
    timed) the blocking pairs Splink compares."""
    import logging

    import duckdb
    from splink import DuckDBAPI
    from splink.blocking_analysis import count_comparisons_from_blocking_rules
    from splink.internals.linker_components.inference import LinkerInference
    from splink.internals.linker_components.training import LinkerTraining

    import revtruth.identity as identity
    from revtruth.demo import demo_settings
    from revtruth.identity import model, warehouse_io

    logging.getLogger("splink").setLevel(logging.ERROR)
    settings = demo_settings(Path(directory), date.fromisoformat(today), {})
    phases: dict[str, list[float]] = {}
    results: dict = {}
    _time(warehouse_io, "read_inputs", "read inputs (the identity tables, as Arrow)", phases)
    _time(model, "load_records", "model: records table", phases)
    _time(LinkerTraining, "estimate_probability_two_random_records_match", "splink: λ", phases)
    _time(LinkerTraining, "estimate_u_using_random_sampling", "splink: u (random pairs)", phases)
    _time(
        LinkerTraining,
        "estimate_parameters_using_expectation_maximisation",
        "splink: EM (name, first-seen day, primary domain)",
        phases,
    )
    _time(LinkerInference, "predict", "splink: predict (all blocked pairs)", phases)
    _time(model, "score_pairs", "score_pairs total", phases, results)
    _time(identity, "cluster", "clustering", phases, results)
    _time(warehouse_io, "write_results", "write identity.* (dlt)", phases)

    started = time.perf_counter()
    summary = identity.resolve(settings)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timed = {label: list(runs) for label, runs in phases.items()}

    # not timed: how many pairs the blocking rules make (exact), per rule and in all
    inputs = warehouse_io.read_inputs(settings)
    con = duckdb.connect()
    model.load_records(con, inputs)
    db_api = DuckDBAPI(con)
    rules = model._settings(
        summary.records > model.TRAIN_ON_AT_MOST
    ).blocking_rules_to_generate_predictions
    counted = count_comparisons_from_blocking_rules(
        db_api.register("records"),
        blocking_rules=rules,
        link_type="dedupe_only",
        # exact up to 20,000 records; beyond, estimated from a fifth of the records on
        # each side of the join (Splink's own estimate, 1/25 of the pairs)
        record_sample_proportion=1.0 if summary.records <= 20_000 else 0.2,
    )
    by_rule = [
        {"rule": r["blocking_rule"], "marginal": int(r["marginal_comparison_count"])}
        for r in counted
    ]
    scored = results["score_pairs total"]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_mb": peak_mb,
                "phases": timed,
                "records": summary.records,
                "companies": summary.companies,
                "links_by_tier": summary.links_by_tier,
                "review_pairs": summary.review_pairs,
                "kept_pairs": scored.num_rows,
                "held": len(results["clustering"].held),
                "pairs_by_rule": by_rule,
                "pairs": int(counted[-1]["cumulative_comparison_count"]),
                "pairs_estimated": bool(counted[-1]["is_estimate"]),
            }
        )
    )


def code_version() -> str:
    """The commit measured, and whether the identity code differs from it."""
    repo = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        out = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
        return out.stdout.rstrip()

    changed = git("status", "--porcelain", "src/revtruth/identity")
    return f"commit {git('rev-parse', '--short', 'HEAD')}" + (
        f", uncommitted changes in {', '.join(line[3:] for line in changed.splitlines())}"
        if changed
        else ""
    )


def scale(per_system: int, seed: int, work: Path) -> bool:
    import duckdb

    from revtruth.build import IDENTITY_INPUTS
    from revtruth.demo import demo_settings, run_demo
    from revtruth.identity.warehouse_io import INPUTS
    from revtruth.simulate import generate
    from revtruth.transform import build as dbt_build

    emit(f"2. Identity resolution at 3 × {per_system:,} records (copies of a no_keys demo)")
    emit(f"  code: {code_version()}")
    started = time.perf_counter()
    base = run_demo(work / "base", seed=seed, identity_noise="no_keys", select=IDENTITY_INPUTS)
    truth = json.loads(base.ground_truth_path.read_text())
    today = date.fromisoformat(truth["today"])
    plan = generate(seed=seed, size="small", today=today, identity_noise="no_keys")
    con = duckdb.connect(str(base.warehouse_path), read_only=True)
    base_records = con.execute("select count(*) from intermediate.int_identity_nodes").fetchone()[0]
    con.close()
    copies = max(1, round(3 * per_system / base_records))
    emit(
        f"  base: seed {seed}, {base_records} records, built to the identity inputs in "
        f"{time.perf_counter() - started:.0f} s; {copies} copies"
    )

    started = time.perf_counter()
    target = work / "scale"
    target.mkdir()
    settings = demo_settings(target, today, {})
    truth_by_node = copy_company(
        base.warehouse_path, truth, plan, copies, settings.warehouse.resolved_path
    )
    emit(f"  copied in {time.perf_counter() - started:.0f} s (not timed)")
    started = time.perf_counter()
    dbt_build(settings, " ".join(INPUTS))
    con = duckdb.connect(str(settings.warehouse.resolved_path), read_only=True)
    per_source = con.execute(
        "select source, count(*) from intermediate.int_identity_nodes group by 1 order by 1"
    ).fetchall()
    con.close()
    emit(
        "  dbt identity input models (tables + their tests) in "
        f"{time.perf_counter() - started:.0f} s "
        f"(part of the build, not of resolution); records: "
        + ", ".join(f"{s} {n:,}" for s, n in per_source)
    )

    out = subprocess.run(
        [sys.executable, __file__, "--child-resolve", str(target), today.isoformat()],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        emit(f"  resolve failed:\n{out.stderr[-3000:]}")
        return False
    r = json.loads(out.stdout.strip().splitlines()[-1])
    con = duckdb.connect(str(settings.warehouse.resolved_path), read_only=True)
    found = dict(
        con.execute("select node_key, company_id from identity.record_companies").fetchall()
    )
    con.close()
    a = compare.pairwise(found, truth_by_node)
    emit(
        f"  resolve: {r['seconds']:.1f} s wall, peak RSS {r['peak_rss_mb']:,.0f} MB, "
        f"{'~' if r['pairs_estimated'] else ''}{r['pairs']:,} pairs scored (blocked), "
        f"{r['kept_pairs']:,} kept (at least the review or the counterpart probability)"
    )
    emit(
        f"  accuracy: {a['records']:,} records, precision {a['precision']:.4f}, "
        f"recall {a['recall']:.4f}, companies found {a['found']:,} / true {a['true']:,}"
    )
    emit(
        f"  links by tier {r['links_by_tier']}, review pairs {r['review_pairs']:,}, "
        f"held {r['held']:,}"
    )
    emit("  where the time goes (s):")
    for label, runs in r["phases"].items():
        emit(f"    {label:<52}{sum(runs):>8.1f}  {runs if len(runs) > 1 else ''}")
    emit("  pairs per blocking rule (each beyond the rules before it):")
    for rule in r["pairs_by_rule"]:
        emit(f"    {rule['rule']:<70}{rule['marginal']:>14,}")
    emit()
    return True


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] + " " + __doc__.splitlines()[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    parser.add_argument(
        "--levels", nargs="+", choices=LEVELS, help="part 1's levels (default: all)"
    )
    parser.add_argument(
        "--seeds", type=int, nargs="+", help="part 1's seeds (default: 101 202 303)"
    )
    parser.add_argument(
        "--scale", action="store_true", help="run part 2 too when --levels or --seeds is given"
    )
    parser.add_argument("--scale-only", action="store_true", help="only part 2")
    parser.add_argument(
        "--scale-records", type=int, default=100_000, help="records per system (default 100000)"
    )
    parser.add_argument(
        "--scale-seed", type=int, default=DEFAULT_SEEDS[0], help="seed of the copied demo"
    )
    parser.add_argument("--work-dir", type=Path, help="keep the scale run's files here")
    parser.add_argument(
        "--keep-demos", type=Path, help="keep part 1's demo folders here, as LEVEL-SEED"
    )
    parser.add_argument("--child-resolve", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_resolve:
        child_resolve(*args.child_resolve)
        return
    ok = True
    if not args.scale_only:
        levels, seeds = args.levels or list(LEVELS), args.seeds or list(DEFAULT_SEEDS)
        ok = accuracy(levels, seeds, args.keep_demos) and ok
    if args.scale_only or args.scale or (args.levels is None and args.seeds is None):
        if args.work_dir:
            args.work_dir.mkdir(parents=True, exist_ok=False)
            ok = scale(args.scale_records, args.scale_seed, args.work_dir.resolve()) and ok
        else:
            with tempfile.TemporaryDirectory() as folder:
                ok = scale(args.scale_records, args.scale_seed, Path(folder)) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
