"""The whole simulated company running at once: Stripe, Salesforce and PostgreSQL servers
on 127.0.0.1, with the settings revtruth needs to reach them."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from revtruth.simulate import product_db
from revtruth.simulate.company.plan import CompanyPlan
from revtruth.simulate.http_server import Faults
from revtruth.simulate.salesforce.server import SalesforceServer
from revtruth.simulate.stripe.server import StripeServer

SYSTEMS = ("stripe", "salesforce", "product_db")


@dataclass(frozen=True)
class RunningCompany:
    """The systems that were started, and how revtruth reaches them (None: not started)."""

    stripe: StripeServer | None
    stripe_api_key: str
    salesforce: SalesforceServer | None
    salesforce_client_id: str
    salesforce_client_secret: str
    salesforce_username: str
    salesforce_password: str
    product_db_url: str | None  # the read-only role's URL
    product_db_admin_url: str | None = None  # the owner's, to change the data (tests)

    def environment(self) -> dict[str, str]:
        """revtruth's settings for these servers, as the environment variables a user sets;
        a system that was not started is switched off, so a sync leaves it alone."""
        env: dict[str, str] = {}
        if self.stripe is not None:
            env["REVTRUTH_SOURCES__STRIPE__BASE_URL"] = self.stripe.base_url
            env["REVTRUTH_SOURCES__STRIPE__API_KEY"] = self.stripe_api_key
        if self.salesforce is not None:
            env["REVTRUTH_SOURCES__SALESFORCE__LOGIN_URL"] = self.salesforce.login_url
            env["REVTRUTH_SOURCES__SALESFORCE__CA_BUNDLE"] = self.salesforce.ca_bundle_path
            env["REVTRUTH_SOURCES__SALESFORCE__CLIENT_ID"] = self.salesforce_client_id
            env["REVTRUTH_SOURCES__SALESFORCE__CLIENT_SECRET"] = self.salesforce_client_secret
            env["REVTRUTH_SOURCES__SALESFORCE__USERNAME"] = self.salesforce_username
            env["REVTRUTH_SOURCES__SALESFORCE__PASSWORD"] = self.salesforce_password
        if self.product_db_url is not None:
            env["REVTRUTH_SOURCES__PRODUCT_DB__URL"] = self.product_db_url
        started = {
            "stripe": self.stripe is not None,
            "salesforce": self.salesforce is not None,
            "product_db": self.product_db_url is not None,
        }
        for system, is_started in started.items():
            if not is_started:
                env[f"REVTRUTH_SOURCES__{system.upper()}__ENABLED"] = "false"
        return env


@contextlib.contextmanager
def running_company(
    plan: CompanyPlan,
    *,
    systems: Sequence[str] = SYSTEMS,
    product_db_url: str | None = None,
    pg_data_dir: Path | None = None,
    legacy_shapes: bool = False,
    stripe_port: int = 0,
    salesforce_port: int = 0,
    faults: Faults | None = None,
    salesforce_api_limit: int = 15_000,
    product_db_engine: str = "postgres",
) -> Iterator[RunningCompany]:
    """Start the simulated systems (all three, or those named in `systems`), load the
    product database, stop them all on exit.

    `product_db_engine` is "postgres" (pgserver's PostgreSQL), "mysql" (a private MariaDB,
    simulate.product_db.mysql) or "mongodb" (the wire-protocol simulator, simulate.mongodb).
    With `product_db_url` the tables are written to that database instead (PostgreSQL and
    MySQL), and revtruth reads them with the same URL (read-only session)."""
    if product_db_engine not in ("postgres", "mysql", "mongodb"):
        raise ValueError(
            f"no simulated product database {product_db_engine!r}: postgres, mysql or mongodb"
        )
    unknown = set(systems) - set(SYSTEMS)
    if unknown:
        raise ValueError(f"no simulated system {sorted(unknown)}: choose from {SYSTEMS}")
    stripe_key = "sk_test_" + secrets.token_hex(12)
    sf_client_id, sf_client_secret = "revtruth-sim-" + secrets.token_hex(6), secrets.token_hex(16)
    sf_username, sf_password = "revops@revtruth-demo.com", secrets.token_hex(10)
    with contextlib.ExitStack() as stack:
        stripe = salesforce = reader_url = None
        if "stripe" in systems:
            stripe = stack.enter_context(
                StripeServer(
                    plan.billing, stripe_key, legacy_shapes=legacy_shapes, port=stripe_port
                )
            )
        if "salesforce" in systems:
            salesforce = stack.enter_context(
                SalesforceServer(
                    plan.crm,
                    username=sf_username,
                    password=sf_password,
                    client_id=sf_client_id,
                    client_secret=sf_client_secret,
                    port=salesforce_port,
                    api_limit=salesforce_api_limit,
                )
            )
        for server in (stripe, salesforce):
            if server is not None and faults is not None:
                server.faults = faults
        if "product_db" in systems and product_db_engine == "mongodb":
            from revtruth.simulate.mongodb import product as mongo_product
            from revtruth.simulate.mongodb.server import MongoServer

            mongo = stack.enter_context(MongoServer(mongo_product.databases(plan.product_db)))
            admin_url = reader_url = (
                f"mongodb://127.0.0.1:{mongo.port}/{mongo_product.DATABASE}?directConnection=true"
            )
        elif "product_db" in systems and product_db_engine == "mysql":
            from revtruth.simulate.product_db import mysql

            if product_db_url:
                admin_url = reader_url = product_db_url
            else:
                maria = stack.enter_context(mysql.running_mariadb())
                admin_url, reader_url = maria.admin_url, maria.reader_url
            mysql.load(plan.product_db, admin_url)
        elif "product_db" in systems:
            if product_db_url:
                admin_url = reader_url = product_db_url
            else:
                admin_url = stack.enter_context(product_db.running_pgserver(pg_data_dir))
                reader_url = product_db.reader_url_for(admin_url)
            product_db.load(plan.product_db, admin_url)
        yield RunningCompany(
            stripe=stripe,
            stripe_api_key=stripe_key,
            salesforce=salesforce,
            salesforce_client_id=sf_client_id,
            salesforce_client_secret=sf_client_secret,
            salesforce_username=sf_username,
            salesforce_password=sf_password,
            product_db_url=reader_url,
            product_db_admin_url=admin_url if "product_db" in systems else None,
        )
