"""Product side of the simulated company: the tenant (workspace) a company signs up for, and
its users. A self-serve product stores the billing customer id at signup, unless the
identity level says the link was lost."""

from __future__ import annotations

import random
from datetime import timedelta

from revtruth.simulate.company import names
from revtruth.simulate.company.ids import uuid4
from revtruth.simulate.company.plan import Company, Customer, ProductDbPlan, ProductUser, Tenant


def add_tenant(
    rng: random.Random,
    product_db_plan: ProductDbPlan,
    company: Company,
    customer: Customer | None,
    billing_id_share: float,
) -> Tenant:
    """The company's workspace; it stores `customer`'s id with probability `billing_id_share`."""
    keeps_billing_id = customer is not None and rng.random() < billing_id_share
    workspace_name = names.name_variant(rng, company.name)
    tenant = Tenant(
        tenant_id=uuid4(rng),
        company_key=company.company_key,
        name=workspace_name,
        slug=f"{names.slugify(company.name)}-{rng.randint(100, 999)}",
        plan_tier="trial" if company.scenario in ("trial", "hallucinated") else "paid",
        created_at=(customer.created_at if customer else company.created_at) + timedelta(minutes=3),
        billing_customer_id=customer.customer_id if keeps_billing_id else None,
    )
    product_db_plan.tenants.append(tenant)
    return tenant


def add_users(
    rng: random.Random, product_db_plan: ProductDbPlan, tenant: Tenant, company: Company
) -> list[ProductUser]:
    users = []
    for position in range(rng.randint(1, 12)):
        first, last = names.person(rng)
        on_free_mail = position > 0 and rng.random() < 0.15
        users.append(
            ProductUser(
                user_id=uuid4(rng),
                tenant_id=tenant.tenant_id,
                email=names.free_mail(rng, first, last)
                if on_free_mail
                else names.work_email(first, last, company.domain),
                full_name=f"{first} {last}",
                role="owner"
                if position == 0
                else rng.choice(("admin", "member", "member", "viewer")),
                created_at=tenant.created_at + timedelta(days=position * rng.randint(0, 20)),
            )
        )
    product_db_plan.users.extend(users)
    return users
