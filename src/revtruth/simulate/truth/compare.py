"""A built warehouse against the simulator's ground truth: what differs, record by record.

The pipeline tests assert that every list here is empty; `benchmarks/identity.py` counts
them per seed. One comparison in one place, so a test and a benchmark cannot disagree on
what "exact" means.

Every function takes an open DuckDB connection on a built warehouse and the ground truth
as read from `ground_truth.json`. A found company stands for the true company of its
records ("mixed" when they differ), so an identity split or merge shows as a difference.
"""

from __future__ import annotations

from collections import Counter

# Each Stripe customer's company's zombie flag and seed health label: both are a company's,
# and a company with two billing customers has one row in account_health.
BILLING_CUSTOMER_HEALTH = """
    select links.source_id, health.is_zombie, health.account_health_score
    from mapping.identity_links as links
    join analytics.account_health as health on health.company_id = links.company_id
    where links.source = 'stripe'
"""


def _rows(con, sql: str) -> set[tuple]:
    return set(con.execute(sql).fetchall())


def _set_difference(name: str, found: set, expected: set) -> list[str]:
    return [f"{name}: not expected {row}" for row in sorted(found - expected, key=str)] + [
        f"{name}: missing {row}" for row in sorted(expected - found, key=str)
    ]


def zombie_and_label_differences(con, truth: dict) -> list[str]:
    """Billing customers whose company's `is_zombie` or seed health label is not the truth's."""
    health = con.execute(BILLING_CUSTOMER_HEALTH).fetchall()
    zombies = {customer for customer, is_zombie, _ in health if is_zombie}
    labels = {customer: label for customer, _, label in health}
    expected_labels = truth["seed_health_by_stripe_customer_id"]
    return _set_difference("zombie", zombies, set(truth["zombie_stripe_customer_ids"])) + [
        f"label: {customer} is {labels.get(customer)}, truth {label}"
        for customer, label in sorted(expected_labels.items())
        if labels.get(customer) != label
    ]


def true_company_of_found(con, truth: dict) -> dict[str, str]:
    """Each found company's true company: the one all its records belong to, or "mixed"."""
    true_keys: dict[str, set[str]] = {}
    for company_id, source_id in con.execute(
        "select company_id, source_id from mapping.identity_links"
    ).fetchall():
        true_keys.setdefault(company_id, set()).add(truth["company_of"][source_id])
    return {c: min(keys) if len(keys) == 1 else "mixed" for c, keys in true_keys.items()}


# The reconciliation marts of one row per record with its reason: (mart, id, reason, the
# ground truth's record → reason).
RECORD_MARTS = [
    ("hallucinated_revenue", "opportunity_id", "hallucination_reason", "hallucinated_deals"),
    ("unprovisioned_deals", "opportunity_id", "unprovisioned_reason", "unprovisioned_deals"),
    ("unbilled_usage", "tenant_id", "unbilled_reason", "unbilled_tenants"),
]


def reconciliation_differences(con, truth: dict) -> list[str]:
    """The four reconciliation marts and the three counts against the simulator's answers:
    every deal, tenant and company with the same reason (docs/metrics.md#reconciliation)."""
    differences = []
    for mart, id_column, reason_column, truth_key in RECORD_MARTS:
        found = _rows(con, f"select {id_column}, {reason_column} from analytics.{mart}")
        differences += _set_difference(mart, found, set(truth[truth_key].items()))
    true_company = true_company_of_found(con, truth)
    found = {
        (true_company[company_id], codes)
        for company_id, codes in con.execute(
            "select company_id, discrepancy_codes from analytics.customer_count_discrepancies"
        ).fetchall()
    }
    expected = {
        (key, ",".join(codes)) for key, codes in truth["count_discrepancies_by_company_key"].items()
    }
    differences += _set_difference("customer_count_discrepancies", found, expected)
    counts = con.execute(
        "select billing_active_customers, crm_active_customers, product_active_customers "
        "from analytics.active_customer_counts"
    ).fetchone()
    expected_counts = tuple(truth["count_totals"][k] for k in ("billing", "crm", "product"))
    if counts != expected_counts:
        differences.append(f"active_customer_counts: {counts}, truth {expected_counts}")
    return differences


def time_to_value_differences(con, truth: dict) -> list[str]:
    """Companies whose value start or days to value differ from the simulator's
    (docs/metrics.md#health-score). A true company split in two whose halves disagree is a
    difference whichever half the warehouse lists last."""
    values: dict[str, set[tuple]] = {}
    for source_id, started, first, nth in con.execute(
        """
        select links.source_id, c.value_started_on, c.days_to_first_activity,
            c.days_to_nth_active_user
        from analytics.customer_360 as c
        join mapping.identity_links as links on links.company_id = c.company_id
        where c.value_started_on is not null
        """
    ).fetchall():
        values.setdefault(truth["company_of"][source_id], set()).add(
            (started.isoformat(), first, nth)
        )
    found = {
        key: next(iter(seen)) if len(seen) == 1 else ("split", *sorted(seen, key=str))
        for key, seen in values.items()
    }
    expected = {
        key: (v["value_started_on"], v["days_to_first_activity"], v["days_to_nth_active_user"])
        for key, v in truth["time_to_value_by_company_key"].items()
    }
    differences = [
        f"time to value: {key} is {found.get(key)}, truth {expected.get(key)}"
        for key in sorted(found.keys() | expected.keys())
        if found.get(key) != expected.get(key)
    ]
    zombies_not_red = con.execute(
        "select count(*) from analytics.account_health where is_zombie and health_band <> 'red'"
    ).fetchone()[0]
    if zombies_not_red:
        differences.append(f"health band: {zombies_not_red} zombies not red")
    return differences


def pairwise_quality(con, truth: dict) -> tuple[float, float]:
    """Pairwise precision and recall of `mapping.identity_links` against the true company
    of every record: all pairs placed in one company against all pairs of one true company."""
    found = {
        source_id: company_id
        for company_id, source_id in con.execute(
            "select company_id, source_id from mapping.identity_links"
        ).fetchall()
    }
    quality = pairwise(found, truth["company_of"])
    return quality["precision"], quality["recall"]


def pairwise(found: dict[str, str], truth: dict[str, str]) -> dict:
    """Pairwise precision and recall of `found` (record → company) against `truth` (record
    → true company), with the companies each counts. A record the truth has and `found`
    lacks is a company of its own; one `found` has and the truth lacks is in no true pair."""

    def pairs(n: int) -> int:
        return n * (n - 1) // 2

    known = [r for r in found if r in truth]
    together = sum(pairs(n) for n in Counter((found[r], truth[r]) for r in known).values())
    found_pairs = sum(pairs(n) for n in Counter(found.values()).values())
    true_pairs = sum(pairs(n) for n in Counter(truth.values()).values())
    return {
        "records": len(known),
        "precision": together / found_pairs if found_pairs else 1.0,
        "recall": together / true_pairs if true_pairs else 1.0,
        "found": len({found[r] for r in known}),
        "true": len({truth[r] for r in known}),
        "unknown": len(found) - len(known),
    }


__all__ = [
    "BILLING_CUSTOMER_HEALTH",
    "RECORD_MARTS",
    "pairwise",
    "pairwise_quality",
    "reconciliation_differences",
    "time_to_value_differences",
    "true_company_of_found",
    "zombie_and_label_differences",
]
