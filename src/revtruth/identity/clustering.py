"""From links between records to companies, tier by tier, without ever joining what a person
said is different (docs/metrics.md#identity).

Links are taken strongest first: people's `same` decisions, then ids one system stores of
another, then shared company domains, then the record-linkage model's links from the most
to the least likely. A link joins two groups of records unless a `different` decision
stands between any record of one and any record of the other; then it is refused (and
counted), so an override always wins over every tier, whatever path would connect the two.

A model link is also held back when it would join two groups that each already hold records
of the same two systems or more (say a billing customer and a CRM account each): that is
two companies that each look complete, a parent and its subsidiary far more often than one
company duplicated in every system at once (unless the link is near certain,
`JOINS_COMPLETE_COMPANIES`, or its names say one is a business unit of the other: "Acme
Marketing", or "Acme Europe" billed where Acme is, with a billing customer and a workspace
of its own is no subsidiary). And when
it would put together two records whose company domains are named unlike each other
(cedarlabsapp.com, cedirlabs.de): a record with no domain, linked to each on its name, must
not join two companies whose own
domains say they are two. Nor does a model link whose names differ and whose only tie is a
domain named like the other's, between records in two countries (a subsidiary abroad on
its parent's brand). Nor one of whose records has a rival link nearly as likely
(`RIVAL_ODDS`) toward a company whose domains are named unlike those of the company this
link would join it to: greedy, the first would win by a hair. Nor, below
`JOINS_COMPLETE_COMPANIES`, one that would join two groups addressed in different countries
through a record with no address of its own (a workspace placed by its name alone); nor,
however likely, one whose only tie is a domain named like the other's between groups
addressed in different countries; nor one that takes a record placed by its name alone
away from a record addressed where its name says. Such a pair goes to review instead.

Last, `join_counterparts`: a company found with a billing customer but no workspace, and
one with a workspace but no billing customer, that are each other's most likely
counterpart, are one company even on weak evidence. Money with no usage beside usage with
no money is what a missed link between billing and product looks like; a company really
paying and never provisioned, next to a workspace really used and never billed, is rarer,
and the two would have to name each other best of all such companies.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# A model link at least this likely joins even two groups that each look like a whole
# company: a company's second billing customer with a workspace of its own ("Birch Financial
# International Marketing", "BF International Corp.", same country, first seen within three
# days) is no subsidiary.
JOINS_COMPLETE_COMPANIES = 0.99

# How much more likely, in odds, a model link must be than a record's rival link toward a
# company it cannot join (see `cluster`) to be taken on its own: twice, one bit of evidence.
# "Cedir Labs" one slip from both "Cedir Lab Inc" (0.97, odds 32) and "Cedar Laboratories"
# (0.92, odds 11.5) goes with the first; a billing customer at 0.986 (odds 70) against 0.981
# (odds 52) goes with neither.
RIVAL_ODDS = 2.0

# The systems whose records are a company's money and its use of the product (the source
# in a record's key, "<source>:<id>"): join_counterparts pairs a company with one and not the
# other against a company with the other and not the one.
BILLING_SYSTEMS = frozenset({"stripe"})
PRODUCT_SYSTEMS = frozenset({"product_db"})

# Tiers in the order they are trusted; a record's tier is the strongest that placed it.
TIERS = ("override", "stored_id", "domain", "probabilistic")


class ConflictingOverridesError(ValueError):
    """Two records are declared the same company (through a chain of `same` decisions) and
    different at once."""


@dataclass(frozen=True)
class Link:
    left: str  # node keys, "<source>:<id>"
    right: str
    tier: str
    probability: float  # 1 for every tier but the probabilistic one
    evidence: str
    # a model link whose names say one record is a business unit of the other's company
    # ("Acme Marketing", "Acme"; "Acme Europe" billed in Canada, "Acme Inc" in Canada), or
    # a second account of it ("Birch Financial Europe" and "Birch Financial GmbH", both in
    # Germany): no subsidiary, so it may join two whole companies
    names_a_unit: bool = False
    # a model link whose names differ, whose only tie is a domain named like the other's,
    # and whose records are in two countries: a subsidiary abroad on its parent's brand as
    # often as the same company, so it waits for review
    only_a_domain_name_abroad: bool = False
    # a model link whose names say one record is the other's team ("Oak Security Data
    # Team" and "Oak Security Ltd"; "Harbor Dynamics Platform" and "HARBOR-DYNAMICS"):
    # linked from the review band up, below identity.link_probability, as the model sees a
    # handful of such pairs in a company and weighs them too little
    links_below: bool = False
    # a model link whose names have nothing in common (the name comparison's last level)
    # and whose records share no country: two companies are never joined as each other's
    # counterparts on it ("kps" and "The-Acme-Financial-Technologies", first seen the same
    # day), where "RVE Gmbh" and "Riverventureseurope gmbh", both in Germany, are
    names_and_places_differ: bool = False
    # a model link whose names differ and whose only tie is a domain named like the other's
    # (none in common): it joins no two companies whose records are addressed in different
    # countries, however likely the model finds it ("oaaventurse", a workspace at
    # oakapexventures.de, beside "Oak & Apex Ventures Europe S.A." billed in France, when
    # the workspace's company is billed in Germany: the parent and its subsidiary)
    only_a_domain_name: bool = False

    def rank(self) -> tuple[int, float]:
        return (TIERS.index(self.tier), -self.probability)


@dataclass
class Clusters:
    """The companies found: each record's company, and what happened to every link."""

    company_of: dict[str, str]
    accepted: list[Link] = field(default_factory=list)
    refused: list[Link] = field(default_factory=list)  # would join records declared different
    held: list[Link] = field(default_factory=list)  # model links between two complete groups

    def members(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for record, company in sorted(self.company_of.items()):
            grouped.setdefault(company, []).append(record)
        return grouped


def company_id_for(records: Iterable[str]) -> str:
    """A company's id: stable while its smallest record key exists (the same rule as before
    the record-linkage tier, so ids do not move when nothing about a company changes)."""
    smallest = min(records)
    return "co_" + hashlib.md5(smallest.encode()).hexdigest()[:16]


def cluster(
    records: Sequence[str],
    links: Iterable[Link],
    different: Iterable[tuple[str, str]] = (),
    domain_names: Mapping[str, frozenset[str]] | None = None,
    addresses: Mapping[str, str] | None = None,
    name_places: Mapping[str, frozenset[str]] | None = None,
) -> Clusters:
    """Group `records` by `links` (any order; applied strongest first) so that no two
    records of a `different` pair end up together. `domain_names` (record → the names of
    its company domains) lets a model link that would put two records with unrelated
    company domains in one company wait for review instead; `addresses` (record → the
    country of its own address) one that would join two groups addressed in different
    countries through a record with no address; `name_places` (record with no address → the
    countries its name places it in) one that would take such a record away from a record
    addressed where its name says."""
    domain_names = domain_names or {}
    addresses = addresses or {}
    name_places = name_places or {}
    # a record is its own group until a link joins it: only joined records get an entry
    # (at 300,000 records, a set for every one costs more than all the joins)
    known = set(records)
    parent: dict[str, str] = {}
    members: dict[str, set[str]] = {}
    kept_apart = _kept_apart(different, known)

    def root(record: str) -> str:
        while (up := parent.get(record, record)) != record:
            parent[record] = parent.get(up, up)
            record = up
        return record

    def group(record: str) -> set[str]:
        return members.get(record) or {record}

    def system(record: str) -> str:
        return record.split(":", 1)[0]

    def both_complete(a: str, b: str) -> bool:
        systems_a = {system(record) for record in group(a)}
        return len(systems_a & {system(record) for record in group(b)}) >= 2

    def domains_disagree(a: str, b: str) -> bool:
        return _domains_disagree(group(a), group(b), domain_names)

    def groups_addressed_apart(a: str, b: str) -> bool:
        countries_a = {addresses[r] for r in group(a) if r in addresses}
        countries_b = {addresses[r] for r in group(b) if r in addresses}
        return bool(countries_a and countries_b and not countries_a & countries_b)

    def addressed_apart(link: Link, a: str, b: str) -> bool:
        # the pair's own countries compare two addresses already (the model weighed them)
        if link.left in addresses and link.right in addresses:
            return False
        return groups_addressed_apart(a, b)

    def may_join(a: str, b: str) -> bool:
        return not _declared_apart(group(a), group(b), kept_apart)

    # each record's model links, most likely first, to find a link's rivals
    links = sorted(links, key=Link.rank)
    rivals: dict[str, list[Link]] = {}
    for link in links:
        if link.tier == "probabilistic":
            rivals.setdefault(link.left, []).append(link)
            rivals.setdefault(link.right, []).append(link)

    def torn(link: Link, a: str, b: str) -> bool:
        """A record of `link` has another model link nearly as likely (`RIVAL_ODDS`) to a
        group whose company domains are named unlike those of the group `link` would join
        it to: a billing customer with no domain of its own between "Summit Technologies
        Labs - Canada" (same name, same country) and "SummitTechnologiesSAS" (first seen
        the same day). Greedy, the first link wins by a hair; neither is taken."""
        for record, other in ((link.left, b), (link.right, a)):
            for rival in rivals.get(record, ()):
                if _odds(rival.probability) * RIVAL_ODDS < _odds(link.probability):
                    break  # the rest are less likely still
                partner = root(rival.right if rival.left == record else rival.left)
                if rival is link or partner in (other, root(record)):
                    continue
                # a rival the record's own domains rule out could never be taken
                if _domains_disagree({record}, group(partner), domain_names):
                    continue
                if _domains_disagree(group(partner), group(other), domain_names):
                    return True
        return False

    def placed_elsewhere(link: Link) -> bool:
        """A record placed by its name alone (no address) is linked to one addressed
        elsewhere, while it has another link to one addressed where its name says: a
        workspace "Solar Data US Inc." between the Japanese "SolarData" (the same name once
        the place is left out) and "Solar Data US Inc. - USA" billed in the US, the
        parent's US subsidiary."""
        for record, other in ((link.left, link.right), (link.right, link.left)):
            places = name_places.get(record)
            if not places or other not in addresses or addresses[other] in places:
                continue
            for rival in rivals.get(record, ()):
                partner = rival.right if rival.left == record else rival.left
                if rival is not link and addresses.get(partner) in places:
                    return True
        return False

    result = Clusters(company_of={})
    for link in links:
        if link.left not in known or link.right not in known:
            continue  # evidence about a record that is not there
        a, b = root(link.left), root(link.right)
        if a == b:
            result.accepted.append(link)  # confirms a company already formed
            continue
        if not may_join(a, b):
            if link.tier == "override":
                raise ConflictingOverridesError(
                    f"{link.left} and {link.right} are declared the same company, but a chain "
                    "of decisions also declares records of theirs different: fix the overrides file"
                )
            result.refused.append(link)
            continue
        if link.tier == "probabilistic" and (
            (
                both_complete(a, b)
                and link.probability < JOINS_COMPLETE_COMPANIES
                and not link.names_a_unit
            )
            or domains_disagree(a, b)
            or link.only_a_domain_name_abroad
            or (link.only_a_domain_name and groups_addressed_apart(a, b))
            or torn(link, a, b)
            or placed_elsewhere(link)
            or (link.probability < JOINS_COMPLETE_COMPANIES and addressed_apart(link, a, b))
        ):
            result.held.append(link)
            continue
        if len(group(a)) < len(group(b)):
            a, b = b, a
        parent[b] = a
        members.setdefault(a, {a}).update(members.pop(b, None) or {b})
        result.accepted.append(link)

    groups: dict[str, list[str]] = {}
    for record in records:
        groups.setdefault(root(record), []).append(record)
    for grouped in groups.values():
        company = company_id_for(grouped)
        for record in grouped:
            result.company_of[record] = company
    return result


def _odds(probability: float) -> float:
    return probability / (1 - probability) if probability < 1 else float("inf")


def _kept_apart(different: Iterable[tuple[str, str]], known: set[str]) -> dict[str, set[str]]:
    """Each record a person declared different from others, with those others."""
    kept_apart: dict[str, set[str]] = {}
    for left, right in different:
        if left in known and right in known:
            kept_apart.setdefault(left, set()).add(right)
            kept_apart.setdefault(right, set()).add(left)
    return kept_apart


def _declared_apart(a: set[str], b: set[str], kept_apart: Mapping[str, set[str]]) -> bool:
    """A person declared some record of group `a` different from some record of `b`."""
    if not kept_apart:
        return False
    small, large = sorted((a, b), key=len)
    return any(kept_apart.get(record, set()) & large for record in small)


def _domains_disagree(a: set[str], b: set[str], domain_names: Mapping[str, frozenset[str]]) -> bool:
    """A record of group `a` and one of `b` each have company domains, none named alike."""
    for left in a:
        if left_names := domain_names.get(left):
            for right in b:
                right_names = domain_names.get(right)
                if right_names and not left_names & right_names:
                    return True
    return False


def half_of(records: Iterable[str]) -> str | None:
    """ "billing" for a company's records with a billing customer and no workspace,
    "product" for a workspace and no billing customer, else None."""
    systems = {record.split(":", 1)[0] for record in records}
    if systems & BILLING_SYSTEMS and not systems & PRODUCT_SYSTEMS:
        return "billing"
    if systems & PRODUCT_SYSTEMS and not systems & BILLING_SYSTEMS:
        return "product"
    return None


def join_counterparts(
    found: Clusters,
    candidates: Iterable[Link],
    different: Iterable[tuple[str, str]] = (),
    domain_names: Mapping[str, frozenset[str]] | None = None,
) -> Clusters:
    """Join each company with a billing customer and no workspace to the company with a
    workspace and no billing customer that is its most likely counterpart, when it is that
    company's most likely counterpart too. `candidates`: model links (any probability) that
    `cluster` left between two companies. The pair stays apart when its best link is one
    `cluster` would hold (domains named unlike each other, a domain name abroad) or a
    person said two of its records differ: then it waits for review, as it did."""
    domain_names = domain_names or {}
    company_of = dict(found.company_of)
    members = found.members()

    def side(company: str) -> str | None:
        return half_of(members[company])

    # each such company's most likely counterpart: (probability, the other's id, link);
    # ties go to the smaller company id, so the choice is the same at every run
    best: dict[str, tuple[float, str, Link]] = {}
    for link in candidates:
        a, b = company_of.get(link.left), company_of.get(link.right)
        if a is None or b is None or a == b or link.tier != "probabilistic":
            continue
        if {side(a), side(b)} != {"billing", "product"}:
            continue
        for one, other in ((a, b), (b, a)):
            known = best.get(one)
            if (
                known is None
                or link.probability > known[0]
                or (link.probability == known[0] and other < known[1])
            ):
                best[one] = (link.probability, other, link)

    kept_apart = _kept_apart(different, set(company_of))

    def may_join(a: str, b: str, link: Link) -> bool:
        group_a, group_b = set(members[a]), set(members[b])
        return not (
            link.only_a_domain_name_abroad
            or link.names_and_places_differ
            or _domains_disagree(group_a, group_b, domain_names)
            or _declared_apart(group_a, group_b, kept_apart)
        )

    result = dataclasses.replace(found, company_of=company_of, accepted=list(found.accepted))
    for one, (_, other, link) in sorted(best.items()):
        if one > other or best.get(other, (0.0, None))[1] != one:
            continue  # each pair once, and only when each is the other's best
        if not may_join(one, other, link):
            continue
        joined = members[one] + members[other]
        company = company_id_for(joined)
        for record in joined:
            company_of[record] = company
        evidence = (
            "each the other's most likely counterpart, a billing customer with no workspace "
            f"and a workspace with no billing customer: {link.evidence}"
        )
        result.accepted.append(dataclasses.replace(link, evidence=evidence))
    return result
