"""Canonical names as real companies have them, and different companies that look alike.

At the levels that reshape names (`high`, `no_keys`) this runs on the companies before any
system records them, so every system sees the reshaped names:

- **Legal forms by country** (70% of companies): "GmbH" in Germany, "S.A." or "SAS" in
  France, "K.K." in Japan, "Ltd" or "PLC" in Britain, "Inc.", "LLC" or "Corp." in North
  America; the others keep their suffix if it fits their country and drop it otherwise.
- **Longer names** (12%): a third word, "Cobalt Analytics International", which is what
  abbreviations and initials then work on; **ampersands** (5%): "Harbor & Fern Logistics".
- **Parents and subsidiaries** (`subsidiary_share` of companies, at least one pair): a
  company becomes the subsidiary of another, "Acme Health" and "Acme Health Europe GmbH",
  same industry, on a related domain (`acmehealtheurope.com`, `acmehealth-europe.com`, or
  the parent's name under the subsidiary's country, `acmehealth.de`). They stay two
  companies.
- **Near-identical names** (`similar_name_share`, at least one pair): a company is renamed
  into a near twin of another, "Cobalt Analytics" / "Cobalt Analytic", "Nova Systems" /
  "Nova Systems Group", "Nova Data" / "Novo Data", on its own domain and possibly in
  another country.

Each pair is recorded as a `LookAlike`, which the ground truth lists as a hard negative.
"""

from __future__ import annotations

import random

from revtruth.simulate.company import names
from revtruth.simulate.company.domains import COUNTRY_TLDS, DomainRegistry, slug_of
from revtruth.simulate.company.plan import Company, LookAlike
from revtruth.simulate.company.spelling import LEGAL_FORMS, legal_form, split_legal

LEGAL_FORM_SHARE = 0.70
LONGER_NAME_SHARE = 0.12
AMPERSAND_SHARE = 0.05
THIRD_WORDS = ("International", "Group", "Holdings", "Global", "Technologies", "Labs", "Services")
TWIN_WORDS = ("Group", "Holdings", "Partners", "Global", "Labs")
REGION_WORDS = {
    "US": ("US", "Americas", "North America"),
    "CA": ("Canada",),
    "GB": ("UK", "Europe"),
    "DE": ("Deutschland", "Europe", "Germany"),
    "FR": ("France", "Europe"),
    "JP": ("Japan", "Asia Pacific"),
}
VOWELS = "aeiou"


class _Reshaper:
    def __init__(self, rng: random.Random, companies: list[Company], registry: DomainRegistry):
        self.rng, self.companies, self.registry = rng, companies, registry
        self.stems = {split_legal(c.name)[0] for c in companies}
        self.look_alikes: list[LookAlike] = []

    def rename(self, company: Company, stem: str, suffix: str, domains: list[str] = ()) -> bool:
        """Give `company` a new stem (unique) and maybe a new domain (the first free one)."""
        if stem in self.stems:
            return False
        domain = self.registry.claim(domains) if domains else company.domain
        if domain is None:
            return False
        self.stems.discard(split_legal(company.name)[0])
        self.stems.add(stem)
        company.name = f"{stem} {suffix}".strip()
        company.domain = domain
        return True

    def legal_forms_and_long_names(self) -> None:
        rng = self.rng
        for company in self.companies:
            stem, suffix = split_legal(company.name)
            if rng.random() < LEGAL_FORM_SHARE:
                suffix = legal_form(rng, company.country)
            elif suffix not in LEGAL_FORMS.get(company.country, ()):
                suffix = ""  # no German GmbH in Japan: written without a suffix instead
            roll = rng.random()
            words = stem.split(" ")
            if roll < LONGER_NAME_SHARE:
                third = rng.choice([w for w in THIRD_WORDS if w not in words])
                if self.rename(company, f"{stem} {third}", suffix):
                    continue
            elif roll < LONGER_NAME_SHARE + AMPERSAND_SHARE and len(words) == 2:
                other = rng.choice([w for w in names.FIRST_WORDS if w != words[0]])
                new_stem = f"{words[0]} & {other} {words[1]}"
                tld = company.domain[company.domain.index(".") :]
                if self.rename(company, new_stem, suffix, [slug_of(new_stem) + tld]):
                    continue
            company.name = f"{stem} {suffix}".strip()

    def pairs(self, kind: str, count: int, pool: list[Company], make) -> None:
        """Up to `count` look-alike pairs from `pool` (companies not yet in a pair)."""
        made = 0
        while made < count and len(pool) >= 2:
            first = pool.pop()
            second = make(first, pool)
            if second is not None:
                pool.remove(second)
                a, b = sorted((first.company_key, second.company_key))
                self.look_alikes.append(LookAlike(a, b, kind))
                made += 1

    def subsidiary(self, parent: Company, pool: list[Company]) -> Company | None:
        """A company of another country in the pool becomes `parent`'s subsidiary."""
        rng = self.rng
        for child in pool:
            if child.country == parent.country:
                continue
            parent_stem = split_legal(parent.name)[0]
            region = rng.choice(REGION_WORDS[child.country])
            slug, region_slug = parent.domain.split(".")[0], slug_of(region)
            tld = COUNTRY_TLDS[child.country]
            domains = [
                f"{slug}{region_slug}.com",
                f"{slug}-{region_slug}.com",
                f"{slug}.{tld}",
                f"{slug}{region_slug}.{tld}",
            ]
            rng.shuffle(domains)
            stem = f"{parent_stem} {region}"
            if self.rename(child, stem, legal_form(rng, child.country), domains):
                child.industry = parent.industry
                return child
        return None

    def twin(self, original: Company, pool: list[Company]) -> Company | None:
        """The next company in the pool is renamed into a near twin of `original`."""
        rng = self.rng
        stem = split_legal(original.name)[0]
        words = stem.split(" ")
        last = words[-1]
        if last.endswith("ies"):
            plural = last[:-3] + "y"
        else:
            plural = last[:-1] if last.endswith("s") else last + "s"
        vowels = [i for i, ch in enumerate(words[0]) if ch in VOWELS and i > 0]
        options = [" ".join([*words[:-1], plural]), f"{stem} {rng.choice(TWIN_WORDS)}"]
        if vowels:
            at = rng.choice(vowels)
            swapped = rng.choice([v for v in VOWELS if v != words[0][at]])
            options.append(" ".join([words[0][:at] + swapped + words[0][at + 1 :], *words[1:]]))
        rng.shuffle(options)
        twin = pool[-1]
        suffix = split_legal(twin.name)[1]
        for new_stem in options:
            tlds = [twin.domain[twin.domain.index(".") :], ".com", ".io", ".co", ".net"]
            if self.rename(twin, new_stem, suffix, [slug_of(new_stem) + t for t in tlds]):
                if rng.random() < 0.5:
                    twin.industry = original.industry
                return twin
        return None


def reshape(
    rng: random.Random,
    companies: list[Company],
    registry: DomainRegistry,
    subsidiary_share: float,
    similar_name_share: float,
) -> list[LookAlike]:
    """Reshape canonical names and make look-alike pairs; returns the pairs."""
    reshaper = _Reshaper(rng, companies, registry)
    reshaper.legal_forms_and_long_names()
    pool = list(companies)
    rng.shuffle(pool)
    count = len(companies)
    reshaper.pairs(
        "parent_subsidiary", max(1, round(subsidiary_share * count)), pool, reshaper.subsidiary
    )
    reshaper.pairs("similar_name", max(1, round(similar_name_share * count)), pool, reshaper.twin)
    return reshaper.look_alikes
