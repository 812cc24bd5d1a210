"""How hard identity is in the simulated company: five named levels of identity noise.

Real companies never share one key across billing, CRM and product. Each level says which
stored ids survive and how messy names, emails, websites and records are. Every share below
is a probability per record (or per company for the structural kinds).

`low` is the default and is exactly what the generator always produced: the base generator
writes it, and no other pass touches the plan. The other levels start from the same random
draws (so the same seed gives the same companies, scenarios and money up to the mess) and
then change what `low` wrote, with their own random stream.

What each level does (shares; "—" leaves what `low` writes):

                                                 none    low     medium  high      no_keys
  Stripe metadata names the CRM account          all     45%     45%     10%       0
  CRM Stripe_Customer_Id__c filled               all     30%     30%     8%        0
  tenant stores its billing customer id          all     all     0       15%       0
  names per system: share renamed                exact   —       35%     60%       80%
                    edits per name, typos        -       —       1, 0    1–2, 12%  1–3, 20%
  billing email: more free mail                  0       —       8%      12%       15%
                 personal domain                 0       —       3%      6%        8%
                 another company domain          0       —       10%     20%       30%
  contacts, users on another company domain      0       —       10%     20%       30%
  product users on free mail (more)              0       —       5%      10%       15%
  CRM website missing                            0       —       —       20%       30%
              on another company domain          0       —       —       15%       25%
              with a path                        0       —       —       15%       20%
  companies with duplicate CRM accounts          0       0       0       8%        12%
  paying companies with a 2nd billing customer   0       0       0       6%        8%
  subsidiary pairs (per company, at least 1)     0       0       0       3%        4%
  near-identical name pairs (same)               0       0       0       4%        5%
  billed customers paying through an agency      0       0       0       4%        6%
  deal, billing and tenant weeks apart           0       0       0       12%       15%

`none` is the clean baseline: every stored id (of records that exist), the names as the
company writes them, every billing email and product user on the company's own domain,
every CRM website the plain domain. Self-serve customers still have no CRM account and
trials no billing customer: those are scenarios, not identity noise. At `high` and
`no_keys` canonical names are reshaped too (legal forms by country, longer names,
ampersands: `lookalikes`).

"Another company domain" is the company's own secondary domain (`acme.io` beside
`acme.com`) or its country domain (`acme.de`, `acme.co.uk`). "Personal" is a person's own
vanity domain (`dana@danakim.me`), unique and unrelated to the company. The modules that
apply the mess describe each kind: `spelling` (names), `domains` (domains and websites),
`lookalikes` (subsidiaries and near-identical names), `duplicates` (CRM duplicates),
`business_units` (second billing customers) and `identity` (the pass that applies it all).
"""

from __future__ import annotations

from dataclasses import dataclass

from revtruth.simulate.company.crm import ACCOUNT_STRIPE_FIELD_SHARE, STRIPE_METADATA_SHARE

LEVELS = ("none", "low", "medium", "high", "no_keys")
DEFAULT_LEVEL = "low"


@dataclass(frozen=True)
class IdentityProfile:
    level: str
    # Stored keys: decided by the base generator with the same draw at every level.
    stripe_metadata_share: float
    crm_stripe_field_share: float
    tenant_billing_id_share: float
    clean: bool = False  # `none`: canonical names, company-domain emails, plain websites
    # Names: the share of records renamed, the most edits per name, the share with a typo.
    name_share: float = 0.0
    name_edits: int = 1
    typo_share: float = 0.0
    # Emails, on top of what `low` writes.
    billing_free_mail_share: float = 0.0
    billing_personal_share: float = 0.0
    other_domain_share: float = 0.0  # billing emails, contacts and users
    user_free_mail_share: float = 0.0
    # CRM websites (0 everywhere: keep `low`'s forms).
    website_missing_share: float = 0.0
    website_other_domain_share: float = 0.0
    website_path_share: float = 0.0
    # Structure: records and companies that make matching hard.
    reshape_names: bool = False  # country legal suffixes, longer names, ampersands
    subsidiary_share: float = 0.0
    similar_name_share: float = 0.0
    duplicate_account_share: float = 0.0
    second_customer_share: float = 0.0
    agency_client_share: float = 0.0
    weeks_apart_share: float = 0.0

    @property
    def rewrites(self) -> bool:
        """Whether anything after the base generator changes the plan (not at `low`)."""
        return self != PROFILES[DEFAULT_LEVEL]


PROFILES = {
    "none": IdentityProfile("none", 1.0, 1.0, 1.0, clean=True),
    "low": IdentityProfile("low", STRIPE_METADATA_SHARE, ACCOUNT_STRIPE_FIELD_SHARE, 1.0),
    "medium": IdentityProfile(
        "medium",
        STRIPE_METADATA_SHARE,
        ACCOUNT_STRIPE_FIELD_SHARE,
        0.0,
        name_share=0.35,
        billing_free_mail_share=0.08,
        billing_personal_share=0.03,
        other_domain_share=0.10,
        user_free_mail_share=0.05,
    ),
    "high": IdentityProfile(
        "high",
        0.10,
        0.08,
        0.15,
        name_share=0.60,
        name_edits=2,
        typo_share=0.12,
        billing_free_mail_share=0.12,
        billing_personal_share=0.06,
        other_domain_share=0.20,
        user_free_mail_share=0.10,
        website_missing_share=0.20,
        website_other_domain_share=0.15,
        website_path_share=0.15,
        reshape_names=True,
        subsidiary_share=0.03,
        similar_name_share=0.04,
        duplicate_account_share=0.08,
        second_customer_share=0.06,
        agency_client_share=0.04,
        weeks_apart_share=0.12,
    ),
    "no_keys": IdentityProfile(
        "no_keys",
        0.0,
        0.0,
        0.0,
        name_share=0.80,
        name_edits=3,
        typo_share=0.20,
        billing_free_mail_share=0.15,
        billing_personal_share=0.08,
        other_domain_share=0.30,
        user_free_mail_share=0.15,
        website_missing_share=0.30,
        website_other_domain_share=0.25,
        website_path_share=0.20,
        reshape_names=True,
        subsidiary_share=0.04,
        similar_name_share=0.05,
        duplicate_account_share=0.12,
        second_customer_share=0.08,
        agency_client_share=0.06,
        weeks_apart_share=0.15,
    ),
}


def profile(level: str) -> IdentityProfile:
    if level not in PROFILES:
        raise ValueError(
            f"unknown identity noise level {level!r}: choose one of {', '.join(LEVELS)}"
        )
    return PROFILES[level]
