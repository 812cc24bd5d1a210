"""Links to companies, tier by tier, and decisions that always win (identity.clustering)."""

from __future__ import annotations

import dataclasses

import pytest

from revtruth.identity.clustering import (
    Clusters,
    ConflictingOverridesError,
    Link,
    cluster,
    company_id_for,
    join_counterparts,
)

RECORDS = ["product_db:t1", "salesforce:a1", "salesforce:a2", "stripe:c1", "stripe:c2"]


def _link(left: str, right: str, tier: str = "domain", probability: float = 1.0) -> Link:
    return Link(left, right, tier, probability, f"{tier} evidence")


def test_records_linked_by_any_chain_are_one_company_named_after_the_smallest_key():
    found = cluster(
        RECORDS,
        [_link("stripe:c1", "salesforce:a1", "stored_id"), _link("salesforce:a1", "product_db:t1")],
    )
    company = company_id_for(["product_db:t1", "salesforce:a1", "stripe:c1"])
    assert {r: found.company_of[r] for r in ("product_db:t1", "salesforce:a1", "stripe:c1")} == {
        "product_db:t1": company,
        "salesforce:a1": company,
        "stripe:c1": company,
    }
    assert company == company_id_for(["product_db:t1"]) and company.startswith("co_")
    assert len(set(found.company_of.values())) == 3  # a2 and c2 stay alone


def test_a_different_decision_beats_a_stronger_chain_than_any_single_link():
    # c1–a1 (stored id) and a1–t1 (domain) would join c1 and t1; a person said they differ
    found = cluster(
        RECORDS,
        [_link("stripe:c1", "salesforce:a1", "stored_id"), _link("salesforce:a1", "product_db:t1")],
        different=[("stripe:c1", "product_db:t1")],
    )
    assert found.company_of["stripe:c1"] == found.company_of["salesforce:a1"]
    assert found.company_of["product_db:t1"] != found.company_of["stripe:c1"]
    assert [(link.left, link.right) for link in found.refused] == [
        ("salesforce:a1", "product_db:t1")
    ]


def test_a_same_decision_joins_what_no_evidence_links():
    found = cluster(RECORDS, [_link("stripe:c2", "salesforce:a2", "override")])
    assert found.company_of["stripe:c2"] == found.company_of["salesforce:a2"]


def test_stronger_tiers_are_applied_first_so_a_weak_link_cannot_take_their_place():
    # the probabilistic c2–a1 link comes last: by then a1 is with c1, which was declared
    # different from c2, so it is refused; the stored id c2–a2 holds
    links = [
        _link("stripe:c2", "salesforce:a1", "probabilistic", 0.97),
        _link("stripe:c2", "salesforce:a2", "stored_id"),
        _link("stripe:c1", "salesforce:a1", "domain"),
    ]
    found = cluster(RECORDS, links, different=[("stripe:c1", "stripe:c2")])
    assert found.company_of["stripe:c2"] == found.company_of["salesforce:a2"]
    assert found.company_of["salesforce:a1"] == found.company_of["stripe:c1"]
    assert [link.tier for link in found.refused] == ["probabilistic"]


def test_more_likely_probabilistic_links_win_over_less_likely_ones():
    links = [
        _link("stripe:c1", "salesforce:a2", "probabilistic", 0.96),
        _link("stripe:c1", "salesforce:a1", "probabilistic", 0.99),
    ]
    found = cluster(RECORDS, links, different=[("salesforce:a1", "salesforce:a2")])
    assert found.company_of["stripe:c1"] == found.company_of["salesforce:a1"]
    assert found.company_of["salesforce:a2"] != found.company_of["stripe:c1"]


def test_links_within_a_company_are_kept_as_confirmation():
    links = [_link("stripe:c1", "salesforce:a1", "stored_id"), _link("stripe:c1", "salesforce:a1")]
    assert [link.tier for link in cluster(RECORDS, links).accepted] == ["stored_id", "domain"]


def test_evidence_about_records_that_are_not_there_is_ignored():
    found = cluster(RECORDS, [_link("stripe:gone", "salesforce:a1", "stored_id")])
    assert len(set(found.company_of.values())) == len(RECORDS) and found.accepted == []


def test_decisions_that_contradict_each_other_are_an_error():
    links = [
        _link("stripe:c1", "salesforce:a1", "override"),
        _link("salesforce:a1", "product_db:t1", "override"),
    ]
    with pytest.raises(ConflictingOverridesError, match="fix the overrides file"):
        cluster(RECORDS, links, different=[("stripe:c1", "product_db:t1")])


@pytest.mark.parametrize("tier", ["stored_id", "domain", "probabilistic"])
def test_a_different_decision_beats_a_direct_link_of_every_tier(tier):
    found = cluster(
        RECORDS,
        [_link("stripe:c1", "salesforce:a1", tier, 0.999)],
        different=[("stripe:c1", "salesforce:a1")],
    )
    assert found.company_of["stripe:c1"] != found.company_of["salesforce:a1"]
    assert len(found.refused) == 1


def _two_whole_companies(*links: Link) -> Clusters:
    """{c1, a1} and {c2, a2}, each a billing customer and a CRM account on one domain, and
    `links` besides."""
    return cluster(
        RECORDS,
        [
            _link("stripe:c1", "salesforce:a1", "domain"),
            _link("stripe:c2", "salesforce:a2", "domain"),
            *links,
        ],
    )


def test_a_model_link_between_two_whole_companies_is_held_for_review():
    # {c1, a1} and {c2, a2} each hold a billing customer and a CRM account: a likely link
    # between them is held back (a parent and its subsidiary, most often), while a link
    # that adds a lone tenant to one of them is taken
    found = _two_whole_companies(
        _link("salesforce:a1", "salesforce:a2", "probabilistic", 0.98),
        _link("product_db:t1", "stripe:c2", "probabilistic", 0.9),
    )
    assert found.company_of["stripe:c1"] != found.company_of["stripe:c2"]
    assert [(link.left, link.right) for link in found.held] == [("salesforce:a1", "salesforce:a2")]
    assert found.company_of["product_db:t1"] == found.company_of["stripe:c2"]
    assert found.refused == []


def test_a_near_certain_model_link_joins_two_whole_companies():
    # a company's second billing customer with a CRM account of its own: at 0.99 or more the
    # model is trusted over the look of two complete companies
    found = _two_whole_companies(_link("salesforce:a1", "salesforce:a2", "probabilistic", 0.995))
    assert found.company_of["stripe:c1"] == found.company_of["stripe:c2"]
    assert found.held == []


def test_a_model_link_through_a_record_without_domains_cannot_join_unrelated_domains():
    # "Cedir Labs" (billing, no domain) is one slip from both "Cedar Laboratories" (at
    # cedarlabsapp.com) and "Cedir Lab Inc" (at cedirlabs.de): the domains say two companies
    def cedar_and_cedir(cedar_domains: frozenset[str]):
        return cluster(
            RECORDS,
            [
                _link("stripe:c1", "salesforce:a2", "probabilistic", 0.97),
                _link("stripe:c1", "salesforce:a1", "probabilistic", 0.92),
            ],
            domain_names={
                "salesforce:a1": cedar_domains,
                "salesforce:a2": frozenset({"cedirlabs"}),
            },
        )

    found = cedar_and_cedir(frozenset({"cedarlabs"}))
    assert found.company_of["stripe:c1"] == found.company_of["salesforce:a2"]
    assert found.company_of["salesforce:a1"] != found.company_of["stripe:c1"]
    assert [(link.left, link.right) for link in found.held] == [("stripe:c1", "salesforce:a1")]
    # domains named alike (one stem in common) are no reason to hold
    found = cedar_and_cedir(frozenset({"cedarlabs", "cedirlabs"}))
    assert found.company_of["salesforce:a1"] == found.company_of["stripe:c1"]


def test_a_model_link_naming_a_business_unit_joins_two_whole_companies():
    # "Lumen & Quartz Foods Platform" with a billing customer and a workspace of its own,
    # and "Lumen&QuartzFoods Inc.": a team is no subsidiary, so a link the model is not
    # near certain of still joins them when its names say one is the other's team
    unit = Link("salesforce:a1", "salesforce:a2", "probabilistic", 0.95, "team added", True)
    found = _two_whole_companies(unit)
    assert found.company_of["stripe:c1"] == found.company_of["stripe:c2"]
    assert found.held == []


def test_a_model_link_resting_on_a_domain_name_abroad_waits_for_review():
    # "VR Euurope Ltd (UK)", a workspace at vertexrobotics.co.uk, and "Vertex Robotics"
    # billed in the US: names that differ, no domain in common, two countries. A subsidiary
    # abroad on its parent's brand as often as one company, however likely the model says
    abroad = Link("product_db:t1", "stripe:c1", "probabilistic", 0.81, "domains alike", False, True)
    found = cluster(RECORDS, [abroad, _link("stripe:c1", "salesforce:a1")])
    assert found.company_of["product_db:t1"] != found.company_of["stripe:c1"]
    assert [(link.left, link.right) for link in found.held] == [("product_db:t1", "stripe:c1")]


def test_model_links_carry_what_the_names_say():
    # "Oak Security Data Team" and "Oak Security Ltd" at oaksecurity.co.uk: a team, its
    # domains named alike, is linked from the review band up (revtruth.identity.resolve)
    import pyarrow as pa

    from revtruth.identity import model_links

    scored = pa.table(
        {
            "left_key": ["stripe:c1", "product_db:t1"],
            "right_key": ["stripe:c2", "stripe:c1"],
            "match_probability": [0.48, 0.81],
            "evidence": ["one name is the other with a team added", "domains named alike"],
            "names_a_unit": [True, False],
            "only_a_domain_name_abroad": [False, True],
            "names_a_team": [True, False],
            "names_and_places_differ": [False, True],
            "only_a_domain_name": [False, True],
        }
    )
    team, abroad = model_links(scored)
    assert (team.names_a_unit, team.links_below, team.only_a_domain_name_abroad) == (
        True,
        True,
        False,
    )
    assert (abroad.links_below, abroad.only_a_domain_name_abroad) == (False, True)
    assert (team.names_and_places_differ, abroad.names_and_places_differ) == (False, True)
    assert (team.only_a_domain_name, abroad.only_a_domain_name) == (False, True)
    assert model_links(pa.table({})) == []


# ------------------------------------------------------------------ counterparts

# A billing customer with its CRM account but no workspace, two workspaces with no billing
# customer, and a billing customer with a workspace of its own.
HALVES = [
    "stripe:c1",
    "salesforce:a1",
    "product_db:t1",
    "product_db:t2",
    "stripe:c3",
    "product_db:t3",
]
HALVES_LINKS = [_link("stripe:c1", "salesforce:a1"), _link("stripe:c3", "product_db:t3")]


def _weak(left: str, right: str, probability: float) -> Link:
    return Link(left, right, "probabilistic", probability, "a letter differs")


def test_a_billing_customer_and_a_workspace_each_the_others_best_counterpart_are_joined():
    found = cluster(HALVES, HALVES_LINKS)
    candidates = [
        _weak("stripe:c1", "product_db:t1", 0.11),
        _weak("stripe:c1", "product_db:t2", 0.02),
    ]
    joined = join_counterparts(found, candidates)
    assert joined.company_of["product_db:t1"] == joined.company_of["stripe:c1"]
    assert joined.company_of["salesforce:a1"] == joined.company_of["stripe:c1"]
    assert joined.company_of["product_db:t2"] != joined.company_of["stripe:c1"]
    assert joined.company_of["stripe:c1"] == company_id_for(
        ["product_db:t1", "salesforce:a1", "stripe:c1"]
    )
    (link,) = [link for link in joined.accepted if link not in found.accepted]
    # the model's probability is kept, so whatever rests on the link shows it is uncertain
    assert (link.left, link.right, link.probability) == ("stripe:c1", "product_db:t1", 0.11)
    assert link.evidence == (
        "each the other's most likely counterpart, a billing customer with no workspace and a "
        "workspace with no billing customer: a letter differs"
    )
    assert found.company_of["product_db:t1"] != found.company_of["stripe:c1"]  # not changed


def test_counterparts_must_each_be_the_others_best():
    # t1 is c1's best counterpart, but c4 is t1's: t1 joins c4 and c1 stays alone. c3 has
    # a workspace of its own, so it is no one's counterpart, however likely its link to t2
    records = [*HALVES, "stripe:c4"]
    found = cluster(records, HALVES_LINKS)
    candidates = [
        _weak("stripe:c1", "product_db:t1", 0.20),
        _weak("stripe:c4", "product_db:t1", 0.40),
        _weak("stripe:c3", "product_db:t2", 0.90),  # c3 has a workspace: no counterpart
    ]
    joined = join_counterparts(found, candidates)
    assert joined.company_of["product_db:t1"] == joined.company_of["stripe:c4"]
    assert joined.company_of["stripe:c1"] != joined.company_of["product_db:t1"]
    assert joined.company_of["product_db:t2"] != joined.company_of["stripe:c3"]


def test_counterparts_with_domains_named_unlike_or_declared_different_stay_apart():
    found = cluster(HALVES, HALVES_LINKS)
    candidates = [_weak("stripe:c1", "product_db:t1", 0.3)]
    unlike = join_counterparts(
        found,
        candidates,
        domain_names={
            "salesforce:a1": frozenset({"copper"}),
            "product_db:t1": frozenset({"coppers"}),
        },
    )
    assert unlike.company_of["product_db:t1"] != unlike.company_of["stripe:c1"]
    declared = join_counterparts(found, candidates, different=[("salesforce:a1", "product_db:t1")])
    assert declared.company_of["product_db:t1"] != declared.company_of["stripe:c1"]
    abroad = Link(
        "stripe:c1", "product_db:t1", "probabilistic", 0.3, "", only_a_domain_name_abroad=True
    )
    assert (
        join_counterparts(found, [abroad]).company_of["product_db:t1"]
        != found.company_of["stripe:c1"]
    )


def test_a_record_torn_between_two_companies_by_a_hair_joins_neither():
    # a billing customer "Summit Technologies Labs (HQ)" with no domain of its own: the
    # workspace "Summit Technologies Labs - Canada" (same name, same country: 0.981) and
    # "SummitTechnologiesSAS" (words apart, first seen the same day: 0.986), whose company's
    # domains are named unlike the first's. Taken greedily, 0.986 wins by a hair
    def summit(same_day: float) -> Clusters:
        return cluster(
            RECORDS,
            [
                _link("product_db:t1", "salesforce:a1"),  # the French company, by domain
                _link("stripe:c1", "product_db:t1", "probabilistic", same_day),
                _link("stripe:c1", "salesforce:a2", "probabilistic", 0.981),
            ],
            domain_names={
                "product_db:t1": frozenset({"summittechnologies"}),
                "salesforce:a1": frozenset({"summittechnologies"}),
                "salesforce:a2": frozenset({"summittechnologieslabs"}),
            },
        )

    found = summit(0.986)
    assert found.company_of["stripe:c1"] not in {
        found.company_of["product_db:t1"],
        found.company_of["salesforce:a2"],
    }
    assert {(link.left, link.right) for link in found.held} == {
        ("stripe:c1", "product_db:t1"),
        ("stripe:c1", "salesforce:a2"),
    }
    # twice as likely in odds or more, the likelier link is taken
    found = summit(0.995)
    assert found.company_of["stripe:c1"] == found.company_of["product_db:t1"]
    assert [(link.left, link.right) for link in found.held] == [("stripe:c1", "salesforce:a2")]


def test_a_model_link_through_a_record_with_no_address_cannot_join_companies_addressed_apart():
    # "NorthLabsEuropeS.A.", a CRM account in France, and the workspace "North Labs Europe"
    # (no address; Europe by its name) of North Labs, billed and addressed in the US: same
    # name, countries agree, 0.915. The workspace is the US company's (its users write from
    # its domain); the French account is another company
    def north_labs(france: str) -> Clusters:
        return cluster(
            RECORDS,
            [
                _link("product_db:t1", "stripe:c1"),  # the workspace, by domain
                _link("stripe:c1", "salesforce:a1"),
                _link("salesforce:a2", "product_db:t1", "probabilistic", 0.915),
            ],
            addresses={"stripe:c1": "US", "salesforce:a1": "US", "salesforce:a2": france},
        )

    found = north_labs("FR")
    assert found.company_of["salesforce:a2"] != found.company_of["product_db:t1"]
    assert [(link.left, link.right) for link in found.held] == [("salesforce:a2", "product_db:t1")]
    # addressed in the same country, the link is taken
    found = north_labs("US")
    assert found.company_of["salesforce:a2"] == found.company_of["product_db:t1"]


def test_counterparts_whose_names_and_places_differ_stay_apart():
    # "kps" billed and "The-Acme-Financial-Technologies" used, first seen the same day:
    # nothing in common but the day (0.0146). "RVE Gmbh" and "Riverventureseurope gmbh",
    # both in Germany, share a country too, and are joined
    found = cluster(HALVES, HALVES_LINKS)
    unlike = dataclasses.replace(
        _weak("stripe:c1", "product_db:t1", 0.0146), names_and_places_differ=True
    )
    assert join_counterparts(found, [unlike]).company_of == found.company_of
    joined = join_counterparts(found, [_weak("stripe:c1", "product_db:t1", 0.0516)])
    assert joined.company_of["product_db:t1"] == joined.company_of["stripe:c1"]


def test_a_workspace_placed_by_its_name_goes_with_the_company_addressed_there():
    # the workspace "Solar Data US Inc." (no address; the US by its name) is the same name
    # as the Japanese "SolarData" once the place is left out (0.9975), and "Solar Data US
    # Inc. - USA", billed in the US, once more (0.993): the US subsidiary's workspace
    def solar_data(us_account_country: str) -> Clusters:
        return cluster(
            RECORDS,
            [
                _link("product_db:t1", "stripe:c1", "probabilistic", 0.9975),
                _link("product_db:t1", "salesforce:a2", "probabilistic", 0.993),
            ],
            addresses={"stripe:c1": "JP", "salesforce:a2": us_account_country},
            name_places={"product_db:t1": frozenset({"US"})},
        )

    found = solar_data("US")
    assert found.company_of["product_db:t1"] == found.company_of["salesforce:a2"]
    assert found.company_of["product_db:t1"] != found.company_of["stripe:c1"]
    assert [(link.left, link.right) for link in found.held] == [("product_db:t1", "stripe:c1")]
    # with no record addressed where its name says, the most likely link is taken
    found = solar_data("FR")
    assert found.company_of["product_db:t1"] == found.company_of["stripe:c1"]


def test_a_domain_name_alone_joins_no_companies_addressed_apart_however_likely():
    # "oaaventurse", a workspace at oakapexventures.de, is Oak & Apex Ventures' (billed in
    # Germany, by a domain in common); "Oak & Apex Ventures Europe S.A." is billed in
    # France. Names that differ and a domain named alike, first seen within three days:
    # 0.9956, and still the parent and its subsidiary
    def oak_apex(europe_country: str) -> Clusters:
        alike = dataclasses.replace(
            _link("product_db:t1", "salesforce:a2", "probabilistic", 0.9956),
            only_a_domain_name=True,
        )
        return cluster(
            RECORDS,
            [_link("product_db:t1", "stripe:c1"), alike],
            addresses={"stripe:c1": "DE", "salesforce:a2": europe_country},
        )

    found = oak_apex("FR")
    assert found.company_of["product_db:t1"] != found.company_of["salesforce:a2"]
    assert [(link.left, link.right) for link in found.held] == [("product_db:t1", "salesforce:a2")]
    found = oak_apex("DE")
    assert found.company_of["product_db:t1"] == found.company_of["salesforce:a2"]


def test_a_rival_the_records_own_domains_rule_out_tears_nothing():
    # "SDU INC.", a CRM account whose contacts write from solardataus.us, between the
    # workspace "Solar Data US Inc." (0.993, the same domain's name) and the Japanese
    # parent "SolarData" (solardata.io), nearly as likely: the parent could never take it,
    # its domains being named unlike the account's own, so the first link is taken
    def sdu(own: frozenset[str]) -> Clusters:
        return cluster(
            RECORDS,
            [
                _link("stripe:c1", "salesforce:a1"),  # the parent, by domain
                _link("salesforce:a2", "product_db:t1", "probabilistic", 0.993),
                _link("salesforce:a2", "stripe:c1", "probabilistic", 0.99),
            ],
            domain_names={
                "salesforce:a1": frozenset({"solardata"}),
                "product_db:t1": frozenset({"solardataus"}),
                "salesforce:a2": own,
            },
        )

    found = sdu(frozenset({"solardataus"}))
    assert found.company_of["salesforce:a2"] == found.company_of["product_db:t1"]
    # with no domain of its own, it is torn between the two and joins neither
    found = sdu(frozenset())
    assert found.company_of["salesforce:a2"] not in {
        found.company_of["product_db:t1"],
        found.company_of["stripe:c1"],
    }
