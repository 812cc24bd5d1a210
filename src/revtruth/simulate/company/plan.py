"""The simulated company as plain data: what every simulated system is rendered from.

The generator fills a `CompanyPlan`; the Stripe and Salesforce servers render their wire
objects from it and the product database is loaded from it; ground truth is computed from it.
Nothing here knows a wire format. Money is integer minor units (hundredths of a dollar or
euro; yen for JPY). Every timestamp is a timezone-aware UTC `datetime`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

# ---------------------------------------------------------------- company (the truth key)


@dataclass
class Company:
    company_key: str  # "co_0001": the true identity every system's id maps to
    name: str  # canonical legal-ish name ("Acme Analytics Inc.")
    domain: str  # "acmeanalytics.com"
    scenario: str  # healthy | low_adoption | zombie | churned | trial | past_due |
    # hallucinated | unprovisioned | prospect
    created_at: datetime
    country: str = "US"
    industry: str = "Software"
    employees: int = 50
    # Domains it also mails from (secondary, country), at the noisier identity levels.
    other_domains: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LookAlike:
    """Two different companies that look alike: what identity resolution must keep apart."""

    first_key: str
    second_key: str
    kind: str  # parent_subsidiary | similar_name | shared_agency_domain


# ---------------------------------------------------------------- billing (Stripe)


@dataclass
class Product:
    product_id: str  # "prod_…"
    name: str
    created_at: datetime
    description: str | None = None


@dataclass
class PriceTier:
    up_to: int | None  # the last unit of this tier; None for the last tier ("inf")
    unit_amount: int  # minor units per unit in this tier
    flat_amount: int = 0  # minor units once for the tier


@dataclass
class Price:
    price_id: str  # "price_…"
    product_id: str
    currency: str  # "usd", "eur", "jpy" (lower case, as Stripe)
    unit_amount: int  # minor units per interval per unit
    interval: str  # day | week | month | year
    interval_count: int
    created_at: datetime
    nickname: str | None = None
    lookup_key: str | None = None
    active: bool = True
    usage_type: str = "licensed"  # licensed | metered (billed in arrears on usage)
    tiers_mode: str | None = None  # volume | graduated: priced by `tiers`, unit_amount unused
    tiers: list[PriceTier] = field(default_factory=list)

    @property
    def billing_scheme(self) -> str:
        return "tiered" if self.tiers_mode else "per_unit"

    def amount_for(self, quantity: int) -> int:
        """What `quantity` units cost for one interval, in minor units (Stripe's tier rules:
        volume prices every unit at the tier the total falls in; graduated prices each unit
        in its own tier; a tier's flat amount is charged once when the tier is reached)."""
        if not self.tiers_mode:
            return self.unit_amount * quantity
        if self.tiers_mode == "volume":
            tier = next(t for t in self.tiers if t.up_to is None or quantity <= t.up_to)
            return tier.unit_amount * quantity + tier.flat_amount
        total, below = 0, 0
        for tier in self.tiers:
            if quantity <= below:
                break
            units = (quantity if tier.up_to is None else min(quantity, tier.up_to)) - below
            total += tier.unit_amount * units + tier.flat_amount
            below = tier.up_to if tier.up_to is not None else quantity
        return total


@dataclass
class Coupon:
    coupon_id: str
    name: str
    duration: str  # forever | once | repeating
    created_at: datetime
    percent_off: Decimal | None = None  # e.g. Decimal("20")
    amount_off: int | None = None  # minor units, in `currency`
    currency: str | None = None  # required with amount_off
    duration_in_months: int | None = None  # with duration == "repeating"


@dataclass
class Discount:
    discount_id: str  # "di_…"
    coupon_id: str
    customer_id: str
    start: datetime
    end: datetime | None = None  # None for forever coupons
    subscription_id: str | None = None  # None for a customer-level discount


@dataclass
class SubscriptionItem:
    item_id: str  # "si_…"
    price_id: str
    quantity: int
    created_at: datetime


@dataclass
class SubscriptionPhase:
    """From `start` on, the subscription has these items and this status.

    `anchor` set: the billing cycle restarts at that instant (an interval switch, a resume
    after a pause); unset: periods keep rolling from the previous anchor, and a change inside
    a period is prorated. The first phase is implied by the subscription's own fields."""

    start: datetime
    items: list[SubscriptionItem]
    status: str = "active"  # active | past_due | paused
    anchor: datetime | None = None
    reason: str = "update"  # upgrade | downgrade | quantity | interval_switch | pause | resume | …


@dataclass
class Subscription:
    subscription_id: str  # "sub_…"
    customer_id: str
    status: str  # active | past_due | trialing | canceled | unpaid | incomplete | paused
    currency: str
    items: list[SubscriptionItem]
    created_at: datetime
    start_date: datetime
    current_period_start: datetime
    current_period_end: datetime
    discounts: list[Discount] = field(default_factory=list)  # in the order Stripe lists them
    trial_start: datetime | None = None
    trial_end: datetime | None = None
    cancel_at_period_end: bool = False
    cancel_at: datetime | None = None
    canceled_at: datetime | None = None
    ended_at: datetime | None = None
    collection_method: str = "charge_automatically"
    latest_invoice_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    # Dated changes after the start, oldest first; `items` and `status` above are the state now,
    # `initial_items` what it started with (None: the same as `items`).
    phases: list[SubscriptionPhase] = field(default_factory=list)
    initial_items: list[SubscriptionItem] | None = None
    tax_per_invoice: int = 0  # tax added to every paid-period invoice (never revenue)


@dataclass
class Customer:
    customer_id: str  # "cus_…"
    company_key: str
    name: str  # as typed at checkout: may differ from the CRM's account name
    email: str  # may be on a free-mail domain
    created_at: datetime
    currency: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)  # e.g. {"salesforce_account_id": …}
    discount: Discount | None = None  # customer-level discount
    country: str = "US"
    phone: str | None = None
    delinquent: bool = False


@dataclass
class InvoiceLine:
    line_id: str  # "il_…"
    amount: int  # minor units, before discounts, excluding tax
    currency: str
    description: str
    period_start: datetime
    period_end: datetime
    quantity: int
    price_id: str | None
    subscription_item_id: str | None
    proration: bool = False
    discount_amounts: list[tuple[str, int]] = field(default_factory=list)  # (discount_id, amount)


@dataclass
class Invoice:
    invoice_id: str  # "in_…"
    customer_id: str
    subscription_id: str | None
    number: str
    status: str  # draft | open | paid | uncollectible | void
    billing_reason: str  # subscription_create | subscription_cycle | subscription_update | manual
    currency: str
    created_at: datetime
    period_start: datetime
    period_end: datetime
    lines: list[InvoiceLine]
    tax: int = 0
    discount_ids: list[str] = field(default_factory=list)

    @property
    def subtotal(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def total_discount(self) -> int:
        return sum(amount for line in self.lines for _, amount in line.discount_amounts)

    @property
    def total(self) -> int:
        return self.subtotal - self.total_discount + self.tax

    @property
    def amount_paid(self) -> int:
        return self.total if self.status == "paid" else 0


@dataclass
class StripeEvent:
    event_id: str  # "evt_…"
    type: str  # "customer.subscription.updated", "invoice.paid", …
    created_at: datetime
    object_type: str  # "customer" | "subscription" | "invoice"
    object_id: str
    previous_attributes: dict | None = None


@dataclass
class BillingPlan:
    products: list[Product] = field(default_factory=list)
    prices: list[Price] = field(default_factory=list)
    coupons: list[Coupon] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    events: list[StripeEvent] = field(default_factory=list)  # only the last 30 days, as Stripe
    # Every discount ever granted, ended ones too: invoices name them after they left the
    # subscription, and Stripe still expands them there.
    discounts: list[Discount] = field(default_factory=list)


# ---------------------------------------------------------------- CRM (Salesforce)


@dataclass
class SalesforceUser:
    user_id: str  # 18-char "005…"
    name: str
    email: str
    is_active: bool
    created_at: datetime


@dataclass
class Account:
    account_id: str  # 18-char "001…"
    company_key: str
    name: str  # may be a variant of the company's name
    website: str | None  # "www.acme.com", "https://acme.com", or None
    type: str  # Customer | Prospect | Former Customer
    industry: str
    owner_id: str
    created_at: datetime
    billing_country: str = "US"
    number_of_employees: int | None = None
    stripe_customer_id: str | None = None  # custom field Stripe_Customer_Id__c, sometimes set


@dataclass
class Contact:
    contact_id: str  # "003…"
    account_id: str
    first_name: str
    last_name: str
    email: str
    title: str | None
    created_at: datetime


@dataclass
class Lead:
    lead_id: str  # "00Q…"
    first_name: str
    last_name: str
    company: str
    email: str
    status: str  # Open - Not Contacted | Working - Contacted | Closed - Converted | …
    is_converted: bool
    converted_account_id: str | None
    converted_opportunity_id: str | None
    lead_source: str
    created_at: datetime


@dataclass
class Opportunity:
    opportunity_id: str  # "006…"
    account_id: str
    name: str
    stage_name: str  # Prospecting … Closed Won | Closed Lost
    amount: Decimal  # annual contract value in the currency below (major units)
    currency: str  # ISO upper case, as Salesforce's CurrencyIsoCode
    close_date: date
    is_closed: bool
    is_won: bool
    owner_id: str
    type: str  # New Business | Renewal | Expansion
    created_at: datetime
    probability: int = 0


@dataclass
class CrmPlan:
    users: list[SalesforceUser] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    opportunities: list[Opportunity] = field(default_factory=list)


# ---------------------------------------------------------------- product database


@dataclass
class Tenant:
    tenant_id: str  # UUID text
    company_key: str
    name: str  # workspace name, often a variant of the company's name
    slug: str
    plan_tier: str
    created_at: datetime
    billing_customer_id: str | None  # the Stripe id stored at signup (None under identity noise)


@dataclass
class ProductUser:
    user_id: str  # UUID text
    tenant_id: str
    email: str
    full_name: str
    role: str
    created_at: datetime
    last_seen_at: datetime | None = None


@dataclass
class ActivityLog:
    """Columnar on purpose: small holds ~10^5 rows, medium ~10^7."""

    event_id: list[int] = field(default_factory=list)
    tenant_id: list[str] = field(default_factory=list)
    user_id: list[str] = field(default_factory=list)
    event_type: list[str] = field(default_factory=list)
    occurred_at: list[datetime] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.event_id)


@dataclass
class ProductDbPlan:
    tenants: list[Tenant] = field(default_factory=list)
    users: list[ProductUser] = field(default_factory=list)
    activity: ActivityLog = field(default_factory=ActivityLog)


# ---------------------------------------------------------------- the whole company


@dataclass
class CompanyPlan:
    seed: int
    size: str
    today: date  # the last day of simulated history (UTC)
    now: datetime  # the instant "now" in the simulation: midnight UTC starting `today`
    reporting_currency: str
    companies: list[Company]
    billing: BillingPlan
    crm: CrmPlan
    product_db: ProductDbPlan
    fx_to_reporting: dict[str, Decimal]  # units of currency per 1 reporting unit ("jpy": 150)
    identity_level: str | None = None  # none … no_keys (levels.py); None: a scenario file
    look_alikes: list[LookAlike] = field(default_factory=list)
