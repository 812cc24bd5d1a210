"""Ready-made inputs for tests and demos: hand-built billing plans and the scenario files.

`tiny_billing_plan()` is small enough to reason about, but it has every shape the Stripe
wire format must carry: monthly,
annual and JPY prices, an inactive price, percent and amount coupons (forever, repeating,
once), a customer-level discount, subscriptions in several statuses (canceled and trialing
among them), a quantity above 1, a subscription with more items than Stripe embeds, invoices
with a proration line, a one-off line, tax, more lines than Stripe embeds, and a few events.
`tiered_billing_plan()` adds tiered (graduated and volume) and metered prices. Every call
builds a fresh plan, so a test may change one without touching another's.

The worked-example scenario files ship in `revtruth/simulate/scenarios/`: `scenario_path`
names one, `load_named_scenario` loads it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from revtruth.simulate.company.plan import (
    BillingPlan,
    CompanyPlan,
    Coupon,
    Customer,
    Discount,
    Invoice,
    InvoiceLine,
    Price,
    PriceTier,
    Product,
    StripeEvent,
    Subscription,
    SubscriptionItem,
)
from revtruth.simulate.company.scenario import load_scenario

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
API_KEY = "sk_test_51RevtruthSimulatedKey0000abcd"
N_ADDONS = 12  # more than the 10 items Stripe embeds in `subscription.items`
N_BIG_INVOICE_LINES = 12  # more than the 10 lines Stripe embeds in `invoice.lines`


def _month(start: datetime) -> datetime:
    return start + 30 * DAY


def tiny_billing_plan() -> BillingPlan:
    products = [
        Product("prod_Pro", "Revtruth Pro", T0, "Per-seat analytics"),
        Product("prod_Ent", "Revtruth Enterprise", T0 + DAY),
        Product("prod_Addon", "Add-ons", T0 + 2 * DAY),
    ]
    prices = [
        Price("price_pro_m", "prod_Pro", "usd", 5_000, "month", 1, T0, "Pro monthly", "pro_m"),
        Price(
            "price_pro_y",
            "prod_Pro",
            "usd",
            50_000,
            "year",
            1,
            T0 + timedelta(seconds=1),
            "Pro annual",
        ),
        Price("price_ent_jpy", "prod_Ent", "jpy", 300_000, "month", 1, T0 + DAY),
        Price("price_pro_old", "prod_Pro", "usd", 4_000, "month", 1, T0 - DAY, active=False),
    ]
    prices += [
        Price(f"price_addon_{n:02d}", "prod_Addon", "usd", 100 * n, "month", 1, T0 + 2 * DAY)
        for n in range(1, N_ADDONS + 1)
    ]
    coupons = [
        Coupon("PCT20", "20% forever", "forever", T0, percent_off=Decimal(20)),
        Coupon(
            "OFF10X3",
            "$10 off 3 months",
            "repeating",
            T0 + DAY,
            amount_off=1_000,
            currency="usd",
            duration_in_months=3,
        ),
        Coupon("HALF1", "12.5% once", "once", T0 + 2 * DAY, percent_off=Decimal("12.5")),
    ]
    c_created = [T0 + n * DAY for n in range(1, 8)]
    c_created[4] = c_created[3]  # cus_5 and cus_4 share a second: ids break the tie
    customer_discount = Discount("di_cust6", "PCT20", "cus_6", T0 + 10 * DAY)
    customers = [
        Customer(
            f"cus_{n}",
            f"co_{n:04d}",
            f"Company {n}",
            f"billing{n}@company{n}.example",
            c_created[n - 1],
            currency="jpy" if n == 4 else "usd",
            metadata={"salesforce_account_id": f"001SIM{n:012d}"} if n % 2 else {},
        )
        for n in range(1, 8)
    ]
    customers[5].discount = customer_discount
    customers[1].delinquent = True

    start = T0 + 20 * DAY
    sub1_discount = Discount("di_sub1", "OFF10X3", "cus_1", start, start + 90 * DAY, "sub_1")

    def sub(n: int, status: str, items: list[tuple[str, int]], **kw: object) -> Subscription:
        created = start + n * timedelta(hours=1)
        customer_id = kw.pop("customer_id", f"cus_{n}")
        return Subscription(
            subscription_id=f"sub_{n}",
            customer_id=str(customer_id),
            status=status,
            currency="jpy" if n == 4 else "usd",
            items=[
                SubscriptionItem(f"si_{n}_{k}", price_id, qty, created)
                for k, (price_id, qty) in enumerate(items)
            ],
            created_at=created,
            start_date=created,
            current_period_start=created + 30 * DAY,
            current_period_end=created + 60 * DAY,
            **kw,  # type: ignore[arg-type]
        )

    subscriptions = [
        sub(
            1,
            "active",
            [("price_pro_m", 3)],
            discounts=[sub1_discount],
            latest_invoice_id="in_2",
            metadata={"plan": "pro"},
        ),
        sub(2, "trialing", [("price_pro_y", 1)], trial_start=start, trial_end=start + 14 * DAY),
        sub(
            3,
            "canceled",
            [("price_pro_m", 1)],
            canceled_at=start + 40 * DAY,
            ended_at=start + 40 * DAY,
        ),
        sub(4, "past_due", [("price_ent_jpy", 2)]),
        sub(
            5,
            "active",
            [("price_pro_m", 1), ("price_pro_old", 1)],
            cancel_at_period_end=True,
            cancel_at=start + 60 * DAY,
            collection_method="send_invoice",
        ),
        sub(6, "active", [(f"price_addon_{n:02d}", 1) for n in range(1, N_ADDONS + 1)]),
        sub(
            7,
            "canceled",
            [("price_pro_y", 1)],
            canceled_at=start + 5 * DAY,
            ended_at=start + 5 * DAY,
        ),
    ]

    period = (start, _month(start))
    invoices = [
        Invoice(
            "in_1",
            "cus_1",
            "sub_1",
            "AB12-0001",
            "paid",
            "subscription_create",
            "usd",
            start,
            *period,
            [
                InvoiceLine(
                    "il_1",
                    15_000,
                    "usd",
                    "3 × Revtruth Pro",
                    *period,
                    3,
                    "price_pro_m",
                    "si_1_0",
                    discount_amounts=[("di_sub1", 1_000)],
                )
            ],
            tax=1_400,
            discount_ids=["di_sub1"],
        ),
        Invoice(
            "in_2",
            "cus_1",
            "sub_1",
            "AB12-0002",
            "open",
            "subscription_update",
            "usd",
            start + 15 * DAY,
            start + 15 * DAY,
            _month(start),
            [
                InvoiceLine(
                    "il_2a",
                    -7_500,
                    "usd",
                    "Unused time on 3 × Revtruth Pro",
                    start + 15 * DAY,
                    _month(start),
                    3,
                    "price_pro_m",
                    "si_1_0",
                    proration=True,
                ),
                InvoiceLine(
                    "il_2b",
                    10_000,
                    "usd",
                    "Remaining time on 4 × Revtruth Pro",
                    start + 15 * DAY,
                    _month(start),
                    4,
                    "price_pro_m",
                    "si_1_0",
                    proration=True,
                ),
                InvoiceLine(
                    "il_2c",
                    2_500,
                    "usd",
                    "Onboarding",
                    start + 15 * DAY,
                    start + 15 * DAY,
                    1,
                    None,
                    None,
                ),
            ],
        ),
        Invoice(
            "in_3",
            "cus_3",
            "sub_3",
            "CD34-0001",
            "void",
            "subscription_cycle",
            "usd",
            start + 30 * DAY,
            start + 30 * DAY,
            start + 60 * DAY,
            [
                InvoiceLine(
                    "il_3",
                    5_000,
                    "usd",
                    "Revtruth Pro",
                    start + 30 * DAY,
                    start + 60 * DAY,
                    1,
                    "price_pro_m",
                    "si_3_0",
                )
            ],
        ),
        Invoice(
            "in_4",
            "cus_6",
            "sub_6",
            "EF56-0001",
            "paid",
            "subscription_create",
            "usd",
            start + 6 * timedelta(hours=1),
            *period,
            [
                InvoiceLine(
                    f"il_4_{n:02d}",
                    100 * n,
                    "usd",
                    f"Add-on {n}",
                    *period,
                    1,
                    f"price_addon_{n:02d}",
                    f"si_6_{n - 1}",
                    discount_amounts=[("di_cust6", 20 * n)],
                )
                for n in range(1, N_BIG_INVOICE_LINES + 1)
            ],
            discount_ids=["di_cust6"],
        ),
        Invoice(
            "in_5",
            "cus_4",
            "sub_4",
            "GH78-0001",
            "draft",
            "subscription_cycle",
            "jpy",
            start + 31 * DAY,
            start + 31 * DAY,
            start + 61 * DAY,
            [
                InvoiceLine(
                    "il_5",
                    600_000,
                    "jpy",
                    "2 × Enterprise",
                    start + 31 * DAY,
                    start + 61 * DAY,
                    2,
                    "price_ent_jpy",
                    "si_4_0",
                )
            ],
        ),
    ]
    events = [
        StripeEvent("evt_1", "customer.created", start + 50 * DAY, "customer", "cus_1"),
        StripeEvent(
            "evt_2",
            "customer.subscription.updated",
            start + 51 * DAY,
            "subscription",
            "sub_1",
            previous_attributes={"items": {"data": [{"quantity": 3}]}},
        ),
        StripeEvent("evt_3", "invoice.paid", start + 52 * DAY, "invoice", "in_1"),
        StripeEvent(
            "evt_4", "customer.subscription.deleted", start + 53 * DAY, "subscription", "sub_3"
        ),
        StripeEvent(
            "evt_5",
            "customer.updated",
            start + 54 * DAY,
            "customer",
            "cus_6",
            previous_attributes={"discount": None},
        ),
    ]
    return BillingPlan(products, prices, coupons, customers, subscriptions, invoices, events)


# Tiers [1–5 @ $10, 6–10 @ $8, 11+ @ $5 + $20 flat]: 12 units cost $120.00 graduated,
# $80.00 volume.
TIERS = [PriceTier(5, 1_000), PriceTier(10, 800), PriceTier(None, 500, 2_000)]


def tiered_billing_plan() -> BillingPlan:
    """The tiny plan plus tiered and metered pricing: a graduated and a volume price with the
    same tiers, a metered per-unit price, one subscription (cus_7) holding all three, and its
    first invoice."""
    plan = tiny_billing_plan()
    created = T0 + 3 * DAY
    plan.products.append(Product("prod_Usage", "Revtruth Usage", created))
    plan.prices += [
        Price("price_seats_grad", "prod_Usage", "usd", 0, "month", 1, created, "Seats graduated",
              tiers_mode="graduated", tiers=list(TIERS)),
        Price("price_seats_vol", "prod_Usage", "usd", 0, "month", 1, created, "Seats volume",
              tiers_mode="volume", tiers=list(TIERS)),
        Price("price_api_calls", "prod_Usage", "usd", 2, "month", 1, created, "API calls",
              usage_type="metered"),
    ]  # fmt: skip
    start = T0 + 40 * DAY
    period = (start, _month(start))
    items = [
        SubscriptionItem("si_8_grad", "price_seats_grad", 12, start),
        SubscriptionItem("si_8_vol", "price_seats_vol", 12, start),
        SubscriptionItem("si_8_api", "price_api_calls", 0, start),  # metered: no quantity
    ]
    plan.subscriptions.append(
        Subscription("sub_8", "cus_7", "active", "usd", items, start, start, *period)
    )
    plan.invoices.append(
        Invoice("in_8", "cus_7", "sub_8", "IJ90-0001", "paid", "subscription_create", "usd",
                start, *period, [
                    InvoiceLine("il_8_grad", 12_000, "usd", "12 × Seats graduated", *period, 12,
                                "price_seats_grad", "si_8_grad"),
                    InvoiceLine("il_8_vol", 8_000, "usd", "12 × Seats volume", *period, 12,
                                "price_seats_vol", "si_8_vol"),
                ])
    )  # fmt: skip
    return plan


def newest_first(objects: list, created: str, ident: str) -> list[str]:
    """Ids in Stripe's list order: newest first, ties by id descending."""
    keyed = [(int(getattr(o, created).timestamp()), getattr(o, ident)) for o in objects]
    return [ident_ for _, ident_ in sorted(keyed, reverse=True)]


# ---------------------------------------------------------------- scenario files

SCENARIOS_DIR = Path(__file__).parent / "scenarios"


def scenario_names() -> list[str]:
    """The scenario files that ship with revtruth, by name (the file name without `.yaml`)."""
    return sorted(path.stem for path in SCENARIOS_DIR.glob("*.yaml"))


def scenario_path(name: str) -> Path:
    """The shipped scenario file called `name` (e.g. "metrics_examples")."""
    path = SCENARIOS_DIR / f"{name}.yaml"
    if not path.is_file():
        raise FileNotFoundError(
            f"no scenario {name!r}: choose one of {', '.join(scenario_names())}"
        )
    return path


def load_named_scenario(name: str, today: date | None = None) -> CompanyPlan:
    """The company a shipped scenario file describes (see `company.scenario.load_scenario`)."""
    return load_scenario(scenario_path(name), today=today)
