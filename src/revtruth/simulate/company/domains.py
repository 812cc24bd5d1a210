"""Web domains a company uses besides its main one, people's own domains, agencies' domains,
and CRM websites as sales reps type them.

- A company may also mail from a **secondary domain** (`acme.io`, `getacme.com`,
  `acmehq.com` beside `acme.com`) and from its **country domain** (`acme.de`,
  `acme.co.uk`). Both belong to that company alone: `DomainRegistry` never hands one domain
  to two companies, so a shared domain in the data is always deliberate (an agency).
- A **personal domain** is one person's vanity domain (`dana@danakim.me`): not free mail,
  not a company, seen once.
- An **agency** (accountant, reseller, procurement service) pays the bills of several
  customers from its own domain, which therefore sits on the billing email of several
  different companies and must never count as evidence.
- **CRM websites** come with or without scheme and `www.`, with a path or tracking
  parameters, on another of the company's domains than its emails, or not at all.
"""

from __future__ import annotations

import random
import re

COUNTRY_TLDS = {"US": "us", "CA": "ca", "GB": "co.uk", "DE": "de", "FR": "fr", "JP": "co.jp"}
SECONDARY_FORMS = ("{slug}.io", "get{slug}.com", "{slug}hq.com", "{slug}app.com", "{slug}.net")
WEBSITE_PATHS = ("/en", "/en-us/", "/home", "/about-us", "/contact", "/?utm_source=linkedin")
AGENCIES = (
    "ledgerline-accounting.co.uk",
    "brightbooks.io",
    "northstar-bookkeeping.com",
    "saasprocure.com",
    "cloudreseller.de",
    "tallyandco-cpa.com",
)


def slug_of(text: str) -> str:
    """The letters and digits of a name, lower case: "Harbor & Fern" -> "harborfern"."""
    return re.sub(r"[^a-z0-9]", "", text.lower().replace("&", ""))


class DomainRegistry:
    """Every domain in use, so that each new one is unique."""

    def __init__(self, domains):
        self.used = set(domains)

    def claim(self, candidates) -> str | None:
        """The first candidate nobody uses yet, now taken; None if all are."""
        for domain in candidates:
            if domain not in self.used:
                self.used.add(domain)
                return domain
        return None

    def alternates(self, rng: random.Random, primary: str, country: str) -> list[str]:
        """A secondary domain and, outside the US mostly, a country domain."""
        slug = primary.split(".")[0]
        forms = list(SECONDARY_FORMS)
        rng.shuffle(forms)
        found = [self.claim(form.format(slug=slug) for form in forms)]
        if country != "US" or rng.random() < 0.3:
            found.append(self.claim([f"{slug}.{COUNTRY_TLDS.get(country, 'us')}"]))
        return [d for d in found if d and d != primary]

    def personal(self, rng: random.Random, first: str, last: str) -> str:
        first, last = first.lower(), last.lower()
        forms = [f"{first}{last}.me", f"{first}-{last}.com", f"{last}{first}.net"]
        forms += [f"{first}{last}{n}.com" for n in rng.sample(range(2, 99), 20)]
        return self.claim(forms) or f"{first}{last}{rng.randint(100, 999_999)}.me"


def website(rng: random.Random, domain: str, with_path: bool) -> str:
    """A website as typed into the CRM: scheme, `www.` and trailing slash vary."""
    form = rng.choice(
        (
            "{d}",
            "www.{d}",
            "https://{d}",
            "http://www.{d}/",
            "https://www.{d}/",
            "WWW.{D}",
        )
    )
    text = form.format(d=domain, D=domain.upper())
    if with_path:
        text = text.rstrip("/") + rng.choice(WEBSITE_PATHS)
    return text
