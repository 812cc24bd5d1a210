"""The whole simulated company running at once: Stripe, Salesforce and PostgreSQL servers
on 127.0.0.1, with the settings revtruth needs to reach them."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from revtruth.simulate import product_db
from revtruth.simulate.company.plan import CompanyPlan
from revtruth.simulate.salesforce.server import SalesforceServer
from revtruth.simulate.stripe.server import StripeServer


@dataclass(frozen=True)
class RunningCompany:
    stripe_base_url: str
    stripe_api_key: str
    salesforce_login_url: str
    salesforce_ca_bundle: str
    salesforce_client_id: str
    salesforce_client_secret: str
    salesforce_username: str
    salesforce_password: str
    product_db_url: str  # the read-only role's URL
    stripe: StripeServer
    salesforce: SalesforceServer

    def environment(self) -> dict[str, str]:
        """revtruth's settings for these servers, as the environment variables a user sets."""
        return {
            "REVTRUTH_SOURCES__STRIPE__BASE_URL": self.stripe_base_url,
            "REVTRUTH_SOURCES__STRIPE__API_KEY": self.stripe_api_key,
            "REVTRUTH_SOURCES__SALESFORCE__LOGIN_URL": self.salesforce_login_url,
            "REVTRUTH_SOURCES__SALESFORCE__CA_BUNDLE": self.salesforce_ca_bundle,
            "REVTRUTH_SOURCES__SALESFORCE__CLIENT_ID": self.salesforce_client_id,
            "REVTRUTH_SOURCES__SALESFORCE__CLIENT_SECRET": self.salesforce_client_secret,
            "REVTRUTH_SOURCES__SALESFORCE__USERNAME": self.salesforce_username,
            "REVTRUTH_SOURCES__SALESFORCE__PASSWORD": self.salesforce_password,
            "REVTRUTH_SOURCES__PRODUCT_DB__URL": self.product_db_url,
        }


@contextlib.contextmanager
def running_company(
    plan: CompanyPlan,
    *,
    product_db_url: str | None = None,
    pg_data_dir: Path | None = None,
    legacy_shapes: bool = False,
    stripe_port: int = 0,
    salesforce_port: int = 0,
) -> Iterator[RunningCompany]:
    """Start every simulated system, load the product database, stop them all on exit.

    With `product_db_url` the tables are written to that PostgreSQL instead of a pgserver
    one, and revtruth reads them with the same URL (read-only session)."""
    stripe_key = "sk_test_" + secrets.token_hex(12)
    sf_client_id, sf_client_secret = "revtruth-sim-" + secrets.token_hex(6), secrets.token_hex(16)
    sf_username, sf_password = "revops@revtruth-demo.com", secrets.token_hex(10)
    with contextlib.ExitStack() as stack:
        stripe = stack.enter_context(
            StripeServer(plan.billing, stripe_key, legacy_shapes=legacy_shapes, port=stripe_port)
        )
        salesforce = stack.enter_context(
            SalesforceServer(
                plan.crm,
                username=sf_username,
                password=sf_password,
                client_id=sf_client_id,
                client_secret=sf_client_secret,
                port=salesforce_port,
            )
        )
        if product_db_url:
            admin_url = reader_url = product_db_url
        else:
            admin_url = stack.enter_context(product_db.running_pgserver(pg_data_dir))
            reader_url = product_db.reader_url_for(admin_url)
        product_db.load(plan.product_db, admin_url)
        yield RunningCompany(
            stripe_base_url=stripe.base_url,
            stripe_api_key=stripe_key,
            salesforce_login_url=salesforce.login_url,
            salesforce_ca_bundle=salesforce.ca_bundle_path,
            salesforce_client_id=sf_client_id,
            salesforce_client_secret=sf_client_secret,
            salesforce_username=sf_username,
            salesforce_password=sf_password,
            product_db_url=reader_url,
            stripe=stripe,
            salesforce=salesforce,
        )
