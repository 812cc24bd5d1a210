"""What can be configured: every setting with its type, default, meaning and allowed values.

This module is the one place a setting's default and meaning are written. The README's
settings table, the `revtruth init` template and the dbt project's `vars:` are generated
from it (`python -m revtruth.docs`), and tests fail when one of them drifts.

Field metadata: "help" (the meaning, one line), "doc" (the section of docs/metrics.md that
explains a metric convention), "secret" (wrapped in `Secret`, not welcome in revtruth.toml),
"table" (a free-form table of keys), "internal" (computed at load time, not a setting),
"path" (relative paths resolve against the config file's folder), "date" (YYYY-MM-DD or
""), "choices" (the allowed values), "check" ((predicate, what the value must be)).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, get_type_hints


class Secret:
    """A secret value. `reveal()` gives it back; printing shows only asterisks."""

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        object.__setattr__(self, "_value", value)

    def reveal(self) -> Any:
        """The secret itself (a string for every named secret setting)."""
        return self._value

    def __repr__(self) -> str:
        return "'********'"

    def __str__(self) -> str:
        return "********"

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Secret is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Secret, (self._value,))


class Table(Mapping[str, Any]):
    """A read-only table of free-form settings (`warehouse.credentials`, `dbt_profile`)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data = dict(data or {})

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return repr(self._data)

    def __deepcopy__(self, memo: dict[int, Any]) -> Table:
        return self  # immutable

    def __reduce__(self) -> tuple[Any, ...]:
        return (Table, (self._data,))


def setting(
    default: Any = None,
    help: str = "",
    *,
    default_factory: Callable[[], Any] | None = None,
    choices: tuple[str, ...] | None = None,
    check: tuple[Callable[[Any], bool], str] | None = None,
    doc: str = "",
    **flags: bool,
) -> Any:
    """A dataclass field that is a setting: its default and its meaning, in one place.
    `doc` names the section of docs/metrics.md that explains a metric convention."""
    metadata: dict[str, Any] = {"help": help, "doc": doc, **flags}
    if choices:
        metadata["choices"] = choices
        metadata["check"] = (
            lambda value: value in choices,
            " or ".join(f'"{c}"' for c in choices),
        )
    if check:
        metadata["check"] = check
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


ENV_PREFIX = "REVTRUTH_"
_INTERNAL = {"internal": True}
_POSITIVE_DAYS = (lambda v: v > 0, "a positive number of days")
_COUNT = (lambda v: v >= 0, "zero or a positive count")


# dlt destinations that are SQL warehouses dbt can build on (vector stores and plain files
# are destinations too, but no place for marts).
WAREHOUSE_DESTINATIONS = frozenset(
    {
        "athena",
        "bigquery",
        "clickhouse",
        "databricks",
        "dremio",
        "duckdb",
        "ducklake",
        "fabric",
        "motherduck",
        "mssql",
        "postgres",
        "redshift",
        "snowflake",
        "sqlalchemy",
        "synapse",
    }
)


@dataclass(frozen=True)
class WarehouseSettings:
    destination: str = setting(
        "duckdb",
        "dlt destination that sync loads into and dbt adapter that build runs on: duckdb, "
        "snowflake, bigquery, postgres, ...",
        check=(
            lambda v: v in WAREHOUSE_DESTINATIONS,
            f"one of {', '.join(sorted(WAREHOUSE_DESTINATIONS))} (a dlt destination that dbt "
            "has an adapter for)",
        ),
    )
    path: str = setting(
        "revtruth.duckdb",
        "DuckDB file (duckdb only), relative to this file's folder.",
        path=True,
        check=(bool, "a non-empty file path"),
    )
    dataset_prefix: str = setting(
        "raw_",
        "Prefix of the raw schemas sync writes and build reads: raw_stripe, raw_salesforce, "
        "raw_product_db.",
        check=(
            lambda v: bool(re.fullmatch(r"[a-z_][a-z0-9_]*", v)),
            'lower-case letters, digits and "_" (a schema name prefix)',
        ),
    )
    snapshot: bool = setting(
        True,
        "DuckDB: publish a read-only copy (<name>.snapshot.duckdb beside the warehouse) after "
        "each sync and build that succeed; reports read it, and so should BI tools and "
        "notebooks, so no reader ever waits for a writer or holds one up.",
    )
    max_source_age_hours: float = setting(
        36.0,
        "revtruth build refuses when an enabled source last finished loading longer ago "
        "than this many hours (0: any age will do); `revtruth build --allow-stale` "
        "builds anyway.",
        check=(lambda v: v >= 0, "a number of hours, 0 or more"),
    )
    credentials: Mapping[str, Any] = setting(
        help="Warehouse credentials for non-duckdb destinations, keys as dlt "
        "names them; handed to dlt and to the dbt profile.",
        default_factory=Table,
        table=True,
        secret=True,
    )
    dbt_profile: Mapping[str, Any] = setting(
        help="Extra non-secret keys merged into the generated dbt target (schema, threads, "
        "location, ...).",
        default_factory=Table,
        table=True,
    )
    resolved_path: Path = field(default=Path("revtruth.duckdb"), metadata=_INTERNAL)
    """Absolute path of the DuckDB file (meaningful when `destination` is duckdb)."""

    @property
    def is_duckdb(self) -> bool:
        return self.destination == "duckdb"

    def dataset_name(self, system: str) -> str:
        """The raw schema a source lands in: `raw_stripe` for "stripe"."""
        return f"{self.dataset_prefix}{system}"


def health_weight(default: int, component: str) -> Any:
    """A weight of one health_score component (docs/metrics.md#health-score)."""
    return setting(
        default,
        f"Weight in health_score of {component}; 0 leaves it out.",
        check=(lambda v: v >= 0, "zero or a positive whole number"),
        doc="health-score",
    )


@dataclass(frozen=True)
class MetricsSettings:
    """The metric conventions (docs/metrics.md). Each reaches dbt as a var of the same name."""

    reporting_currency: str = setting(
        "usd",
        "Currency every amount is reported in (ISO 4217 code).",
        check=(
            lambda v: bool(re.fullmatch(r"[a-z]{3}", v)),
            'a three-letter ISO 4217 currency code such as "usd"',
        ),
        doc="currency-and-fx",
    )
    as_of_date: str = setting(
        "",
        'Date the metrics are computed as of, YYYY-MM-DD; "" means today\'s UTC date at run time.',
        date=True,
        doc="mrr-history",
    )
    recent_activity_days: int = setting(
        30,
        "Window (days before as_of_date) in which product activity counts as recent.",
        check=_POSITIVE_DAYS,
        doc="account-health-and-zombies",
    )
    zombie_inactivity_days: int = setting(
        90,
        "Days without any product activity after which a paying customer is a zombie.",
        check=_POSITIVE_DAYS,
        doc="account-health-and-zombies",
    )
    low_adoption_below: int = setting(
        10,
        'Fewer recent activity rows than this = "Medium Risk (Low Adoption)"; none = '
        '"High Churn Risk (Zombie)".',
        check=_COUNT,
        doc="account-health-and-zombies",
    )
    past_due_counts: bool = setting(
        True,
        "Whether past_due subscriptions count as active and in MRR.",
        doc="statuses",
    )
    paused_counts: bool = setting(
        False, "Whether paused subscriptions count as active and in MRR.", doc="statuses"
    )
    discount_duration_mode: str = setting(
        "while_active",
        'Finite (once/repeating) discounts: "while_active" lowers MRR while the discounted '
        'invoice covers the month, and their expiry shows as expansion; "exclude" never lets '
        "them lower MRR.",
        choices=("while_active", "exclude"),
        doc="discounts",
    )
    churn_at: str = setting(
        "ended",
        'When a cancel-at-period-end subscription stops counting: "ended" (when the paid '
        'period ends) or "requested" (as soon as cancellation is requested).',
        choices=("ended", "requested"),
        doc="churn-at",
    )
    past_due_churn_after_days: int = setting(
        0,
        "A past_due subscription stops counting once its unpaid invoice is this many days "
        "old; 0 = it counts while past_due.",
        check=(lambda v: v >= 0, "zero (never) or a number of days"),
        doc="statuses",
    )
    metered_mrr: str = setting(
        "zero",
        'Metered (usage-based) items\' MRR: "zero" (usage is not committed recurring '
        'revenue) or "last_period" (the last closed period\'s billed amount, per month).',
        choices=("zero", "last_period"),
        doc="tiered-and-metered-prices",
    )
    health_value_active_users: int = setting(
        3,
        "Time to value counts the days until this many distinct users of a company have "
        "used the product (days_to_nth_active_user).",
        check=(lambda v: v >= 1, "a positive count"),
        doc="health-score",
    )
    health_weight_activity_trend: int = health_weight(
        25, "activity in the recent window against the window before"
    )
    health_weight_seat_utilisation: int = health_weight(15, "recently active users per paid seat")
    health_weight_breadth: int = health_weight(
        15, "the share of the product's event types used recently"
    )
    health_weight_payment: int = health_weight(
        20, "no past_due or unpaid subscription, no uncollectible invoice in 90 days"
    )
    health_weight_contraction: int = health_weight(
        10, "the share of its MRR of three months ago still paid"
    )
    health_weight_renewal: int = health_weight(5, "days to an annual plan's renewal, full at 90")
    health_weight_time_to_value: int = health_weight(
        10, "days from closed-won or first payment to first product use"
    )
    reconciliation_grace_days: int = setting(
        45,
        "A won deal is judged this many days after it closed: by then it should have a paid "
        "invoice (or it is hallucinated revenue) and product activity (or it is "
        "unprovisioned); a paid invoice counts within this many days of the close date.",
        check=_POSITIVE_DAYS,
        doc="reconciliation",
    )

    def resolved_as_of_date(self, today: date | None = None) -> date:
        """`as_of_date`, or today's UTC date when it is empty."""
        if self.as_of_date:
            return date.fromisoformat(self.as_of_date)
        return today or datetime.now(UTC).date()


@dataclass(frozen=True)
class IdentitySettings:
    """How records of different systems are found to be one company (docs/metrics.md#identity)."""

    link_probability: float = setting(
        0.8,
        "Records the record-linkage model scores at least this likely to be the same company "
        "are linked automatically.",
        check=(lambda v: 0 < v <= 1, "a probability between 0 and 1"),
    )
    review_probability: float = setting(
        0.3,
        "Pairs scored at least this likely, but below link_probability, wait in "
        "mapping.review_queue for a person to decide; below it they stay apart.",
        check=(lambda v: 0 < v <= 1, "a probability between 0 and 1"),
    )
    counterpart_probability: float = setting(
        0.03,
        "A company found with a billing customer and no workspace and one with a workspace "
        "and no billing customer, each the other's most likely counterpart, are joined when "
        "their pair is scored at least this likely.",
        check=(lambda v: 0 < v <= 1, "a probability between 0 and 1"),
    )
    overrides_file: str = setting(
        "identity_overrides.csv",
        "Must-link and cannot-link decisions that beat every other tier (revtruth identity "
        "review writes them), relative to this file's folder.",
        path=True,
    )


@dataclass(frozen=True)
class StripeSettings:
    enabled: bool = setting(True, "Sync Stripe (billing) into raw_stripe.")
    base_url: str = setting("https://api.stripe.com", "Base address of the Stripe API.")
    api_key: Secret | None = setting(None, "Restricted or secret API key.", secret=True)
    page_size: int = setting(
        100,
        "Objects per list request (1-100).",
        check=(lambda v: 1 <= v <= 100, "between 1 and 100 (Stripe's limit)"),
    )
    max_network_retries: int = setting(
        5, "Retries of a failed or rate-limited request.", check=_COUNT
    )
    timeout_seconds: float = setting(
        30.0,
        "Seconds to wait for Stripe to answer one request before it is retried (and the "
        "sync fails, naming the address, once the retries are spent).",
        check=(lambda v: v > 0, "a positive number of seconds"),
    )
    full_relist_days: float = setting(
        7.0,
        "Days between full lists of every Stripe object; the syncs in between read only "
        "what Stripe's events say changed (0: list everything at every sync).",
        check=(lambda v: v >= 0, "zero or a positive number of days"),
    )


@dataclass(frozen=True)
class SalesforceSettings:
    enabled: bool = setting(True, "Sync Salesforce (CRM) into raw_salesforce.")
    login_url: str = setting(
        "https://login.salesforce.com",
        "Login address (https://test.salesforce.com for sandboxes).",
    )
    instance_url: str = setting("", "Instance address; set it with session_id to skip the login.")
    api_version: str = setting("59.0", "Salesforce REST API version.")
    ca_bundle: str = setting(
        "",
        'PEM bundle of CAs to verify TLS with, relative to this file\'s folder; "" = system '
        "default.",
        path=True,
    )
    client_id: Secret | None = setting(None, "Connected app consumer key.", secret=True)
    client_secret: Secret | None = setting(None, "Connected app consumer secret.", secret=True)
    username: Secret | None = setting(None, "Login user name.", secret=True)
    password: Secret | None = setting(None, "Login password.", secret=True)
    security_token: Secret | None = setting(None, "User's security token.", secret=True)
    api_budget_share: float = setting(
        0.5,
        "Share of the org's daily API request limit a sync may use (other integrations "
        "share it); when the org's usage reaches it the sync stops after the page in hand, "
        "with a warning, and the next sync goes on from there.",
        check=(lambda v: 0 < v <= 1, "a share above 0 and at most 1"),
    )
    timeout_seconds: float = setting(
        60.0,
        "Seconds to wait for Salesforce to answer one request before it is retried (and the "
        "sync fails, naming the host, once the retries are spent).",
        check=(lambda v: v > 0, "a positive number of seconds"),
    )
    session_id: Secret | None = setting(None, "Existing session id (skips login).", secret=True)
    objects: tuple[str, ...] = setting(
        ("Account", "Contact", "Lead", "Opportunity", "User"), "sObjects to sync."
    )


@dataclass(frozen=True)
class ProductDbSettings:
    enabled: bool = setting(True, "Sync the product database into raw_product_db.")
    url: Secret | None = setting(
        None,
        "URL of a read-only user: postgresql://… (or a libpq string), or mysql://… for MySQL "
        "and MariaDB.",
        secret=True,
    )
    schema: str = setting(
        "public",
        "PostgreSQL schema the product tables live in; for MySQL the URL's database is used "
        "unless this names another.",
    )
    tables: tuple[str, ...] = setting(("tenants", "users", "user_activity_logs"), "Tables to sync.")
    cursor_lookback: int = setting(
        10_000,
        "How many ids behind the last one read each sync reads again from the append-only "
        "activity table, merging on its key: a row committed late with a lower id is then "
        "still loaded (0: read only past the last id).",
        check=(lambda v: v >= 0, "0 or a positive number of ids"),
    )
    timeout_seconds: int = setting(
        20,
        "Seconds to wait for the database to answer a connection, and silence on an open "
        "one before the sync fails (libpq's connect_timeout and TCP keepalives, unless the "
        "URL sets its own).",
        check=(lambda v: v > 0, "a positive number of seconds"),
    )
    document_fields: Mapping[str, Any] = setting(
        help="MongoDB only: per collection, the column each document field becomes, e.g. "
        '{tenants = {id = "_id", plan_tier = "plan.tier"}}; a collection named here replaces '
        "the default map (see the README).",
        default_factory=Table,
        table=True,
    )
    chunk_rows: int = setting(
        100_000,
        "Rows per Arrow batch read from the database.",
        check=(lambda v: v > 0, "a positive number of rows"),
    )


@dataclass(frozen=True)
class HubSpotSettings:
    enabled: bool = setting(
        False,
        "Sync HubSpot (CRM) into raw_hubspot. Its marts are not built yet: the CRM marts "
        "read Salesforce.",
    )
    base_url: str = setting("https://api.hubapi.com", "Base address of the HubSpot API.")
    access_token: Secret | None = setting(
        None,
        "A private app's access token, with the crm.objects.companies.read, "
        "crm.objects.contacts.read, crm.objects.deals.read and crm.objects.owners.read scopes.",
        secret=True,
    )
    retries: int = setting(
        8,
        "Retries of a rate-limited (429, honouring Retry-After) or failed (5xx) request.",
        check=_COUNT,
    )
    timeout_seconds: float = setting(
        60.0,
        "Seconds to wait for HubSpot to answer one request.",
        check=(lambda v: v > 0, "a positive number of seconds"),
    )


@dataclass(frozen=True)
class SourcesSettings:
    stripe: StripeSettings = field(default_factory=StripeSettings)
    salesforce: SalesforceSettings = field(default_factory=SalesforceSettings)
    product_db: ProductDbSettings = field(default_factory=ProductDbSettings)
    hubspot: HubSpotSettings = field(default_factory=HubSpotSettings)


@dataclass(frozen=True)
class Settings:
    warehouse: WarehouseSettings = field(default_factory=WarehouseSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    identity: IdentitySettings = field(default_factory=IdentitySettings)
    sources: SourcesSettings = field(default_factory=SourcesSettings)
    config_path: Path | None = field(default=None, metadata=_INTERNAL)
    """The revtruth.toml that was read, if any."""
    secrets_path: Path | None = field(default=None, metadata=_INTERNAL)
    """The secrets file that was read, if any."""
    base_dir: Path = field(default=Path("."), metadata=_INTERNAL)
    """Folder relative paths resolve against: the config file's folder, else the cwd."""

    def as_dbt_vars(self, *, today: date | None = None) -> dict[str, Any]:
        """What the dbt project reads with `var()`: every metric convention under its own
        name (`as_of_date` resolved to a date), and the raw schemas' prefix."""
        values = {
            f.name: getattr(self.metrics, f.name) for f in dataclasses.fields(MetricsSettings)
        }
        values["as_of_date"] = self.metrics.resolved_as_of_date(today).isoformat()
        values["dataset_prefix"] = self.warehouse.dataset_prefix
        return values


def dbt_var_defaults() -> dict[str, Any]:
    """The dbt vars of the default settings, `as_of_date` left empty (= today at run time):
    what the dbt project declares under `vars:` for anyone reading or running it by hand."""
    values = Settings().as_dbt_vars()
    values["as_of_date"] = MetricsSettings.as_of_date
    return values


# ------------------------------------------------------------------------------- keys


@functools.cache
def fields_of(cls: type) -> tuple[tuple[dataclasses.Field, Any], ...]:
    """The configurable fields of a settings class, with their resolved types."""
    hints = get_type_hints(cls)
    return tuple(
        (f, hints[f.name]) for f in dataclasses.fields(cls) if not f.metadata.get("internal")
    )


def is_section(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def iter_keys(cls: type | None = None, prefix: str = "") -> Iterator[tuple[str, dataclasses.Field]]:
    """Every setting as (dotted key, field), in declaration order."""
    cls = Settings if cls is None else cls
    for f, tp in fields_of(cls):
        key = f"{prefix}{f.name}"
        if is_section(tp):
            yield from iter_keys(tp, key + ".")
        else:
            yield key, f


def documented_keys() -> list[str]:
    """Every dotted configuration key (free-form tables are listed by their own name)."""
    return [key for key, _ in iter_keys()]


def secret_keys() -> list[str]:
    """The keys that hold secrets (free-form secret tables by their own name)."""
    return [key for key, f in iter_keys() if f.metadata.get("secret")]


def env_var_name(key: str) -> str:
    """`sources.stripe.api_key` -> `REVTRUTH_SOURCES__STRIPE__API_KEY`."""
    return ENV_PREFIX + "__".join(part.upper() for part in key.split("."))


def default_of(key: str) -> Any:
    """The default value of a dotted key (a section's defaults for a section)."""
    node: Any = Settings()
    for part in key.split("."):
        node = getattr(node, part)
    return node
