"""How the noisier identity levels spell names and pick domains and websites."""

from __future__ import annotations

import random

from revtruth.simulate.company.domains import DomainRegistry, slug_of, website
from revtruth.simulate.company.spelling import (
    KNOWN_SUFFIXES,
    LEGAL_FORMS,
    messy_name,
    split_legal,
    typo,
)


def _variants(name: str, country: str = "US", edits: int = 1, typos: float = 0.0) -> set[str]:
    rng = random.Random(1)
    return {messy_name(rng, name, country, edits, typos) for _ in range(400)}


def test_split_legal_finds_every_known_suffix_and_leaves_other_names_whole():
    for suffix in KNOWN_SUFFIXES:
        assert split_legal(f"Cobalt Analytics {suffix}") == ("Cobalt Analytics", suffix)
    assert split_legal("Cobalt Analytics") == ("Cobalt Analytics", "")
    assert split_legal("Nova Co., Ltd.") == ("Nova", "Co., Ltd.")


def test_suffixes_are_respelled_dropped_or_added_by_country():
    variants = _variants("Cobalt Analytics Inc.")
    assert {"Cobalt Analytics, Inc.", "Cobalt Analytics Incorporated", "Cobalt Analytics"} <= (
        variants
    )
    german = _variants("Cobalt Analytics", country="DE")
    assert any(v.endswith(LEGAL_FORMS["DE"]) for v in german)


def test_the_case_and_compact_forms_appear():
    variants = _variants("Cobalt Analytics Ltd")
    assert "The Cobalt Analytics Ltd" in variants
    assert "COBALT ANALYTICS LTD" in variants and "cobalt analytics ltd" in variants
    assert any(v.startswith(("CobaltAnalytics", "Cobalt-Analytics")) for v in variants)


def test_abbreviations_and_initials_of_long_names():
    variants = _variants("Meridian Health Technologies International GmbH", country="DE")
    assert any("Tech" in v and "Technologies" not in v for v in variants)
    assert any("Intl" in v or "Int'l" in v for v in variants)
    assert any(v.startswith(("MHTI", "MHT ")) for v in variants)


def test_regional_tags_follow_the_country():
    variants = _variants("Cobalt Analytics Ltd", country="GB")
    assert any(v.endswith(("(UK)", "- UK", " UK", "(EU)")) for v in variants)
    assert not any("Deutschland" in v for v in variants)


def test_ampersand_is_written_as_and_and_back():
    assert any(" and " in v for v in _variants("Harbor & Fern Logistics Inc."))
    assert any(" & " in v for v in _variants("Harbor and Fern Logistics Inc."))


def test_a_typo_swaps_drops_or_doubles_one_letter_but_never_the_first():
    rng = random.Random(4)
    seen = set()
    for _ in range(200):
        slip = typo(rng, "Cobalt Analytics")
        first, second = slip.split(" ")
        assert slip != "Cobalt Analytics" and first[0] == "C" and second[0] == "A"
        seen.add(len(slip) - len("Cobalt Analytics"))
    assert seen == {-1, 0, 1}  # dropped, swapped, doubled
    assert typo(rng, "Nova Bio") == "Nova Bio"  # no word long enough to slip in


def test_up_to_the_level_s_number_of_edits_and_typos_only_when_asked():
    plain = _variants("Cobalt Analytics Inc.", edits=1)
    heavy = _variants("Cobalt Analytics Inc.", edits=3, typos=1.0)
    assert len(heavy) > len(plain)
    assert not any("Anlaytics" in v or "Analytcs" in v for v in plain)


def test_the_registry_never_hands_one_domain_to_two_companies():
    rng = random.Random(2)
    registry = DomainRegistry(["acme.com", "acme.io"])
    assert registry.claim(["acme.com", "acme.io"]) is None
    found = registry.alternates(rng, "acme.com", "DE")
    assert found and "acme.io" not in found and "acme.com" not in found
    assert "acme.de" in found
    assert registry.alternates(random.Random(2), "acme.com", "DE") != found
    personal = {registry.personal(rng, "Dana", "Kim") for _ in range(30)}
    assert len(personal) == 30 and not personal & {"acme.com", "acme.io", "acme.de"}


def test_websites_vary_scheme_www_and_path():
    rng = random.Random(5)
    plain = {website(rng, "acme.com", False) for _ in range(200)}
    assert {"acme.com", "www.acme.com", "https://acme.com", "https://www.acme.com/"} <= plain
    assert all("/" not in w.split("://")[-1].rstrip("/") for w in plain)
    with_path = {website(rng, "acme.com", True) for _ in range(100)}
    assert all("/" in w.split("://")[-1] for w in with_path)


def test_slug_keeps_only_letters_and_digits():
    assert slug_of("Harbor & Fern Logistics") == "harborfernlogistics"
