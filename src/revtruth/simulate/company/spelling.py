"""How people in each system spell a company's name, at the noisier identity levels.

`messy_name` applies one or more edits to the name the company writes, each seen in real
CRMs and billing systems:

- the legal suffix changed, spelled out, punctuated or dropped ("Inc." → ", Inc.",
  "Ltd" → "Limited", "GmbH" → "", a suffix added where there was none);
- a leading "The" added or dropped;
- an abbreviation ("Technologies" → "Tech", "International" → "Intl", "Labs" →
  "Laboratories") or initials for long names ("Meridian Health Technologies" → "MHT");
- a regional or office tag ("(EU)", "- UK", "US HQ", "Deutschland");
- "&" written as "and" and back;
- words run together or hyphenated ("CobaltAnalytics", "Cobalt-Analytics");
- the case (ALL CAPS, all lower case, "Cobalt analytics");
- a typo: two letters swapped, one dropped or one doubled (only where the level asks).

The canonical legal forms per country (`legal_form`) are also what `lookalikes` gives
companies at the levels that reshape canonical names.
"""

from __future__ import annotations

import random
import re

# The suffix a company of each country writes after its name.
LEGAL_FORMS = {
    "US": ("Inc.", "Inc.", "LLC", "Corp."),
    "CA": ("Inc.", "Ltd"),
    "GB": ("Ltd", "Ltd", "Limited", "PLC"),
    "DE": ("GmbH", "GmbH", "AG"),
    "FR": ("S.A.", "SAS"),
    "JP": ("K.K.", "Co., Ltd."),
}
# How else each suffix is written ("" drops it).
SUFFIX_SPELLINGS = {
    "Inc.": ("Inc", ", Inc.", "Incorporated", ""),
    "LLC": (", LLC", "L.L.C.", ""),
    "Corp.": ("Corporation", "Corp", ""),
    "Co.": ("Company", "Co", ""),
    "Ltd": ("Limited", "Ltd.", ""),
    "Limited": ("Ltd", "Ltd.", ""),
    "PLC": ("plc", "Ltd", ""),
    "GmbH": ("Gmbh", "G.m.b.H.", ""),
    "AG": ("Aktiengesellschaft", ""),
    "S.A.": ("SA", "S.A", ""),
    "SAS": ("S.A.S.", ""),
    "K.K.": ("KK", "Co., Ltd.", ""),
    "Co., Ltd.": ("Co. Ltd", "K.K.", ""),
}
# Longest first, so "Co., Ltd." is found before "Ltd."-like endings.
KNOWN_SUFFIXES = sorted(SUFFIX_SPELLINGS, key=len, reverse=True)
ABBREVIATIONS = {
    "Technologies": ("Tech", "Technology"),
    "International": ("Intl", "Int'l"),
    "Systems": ("Sys",),
    "Solutions": ("Solns",),
    "Labs": ("Laboratories", "Lab"),
    "Medical": ("Med",),
    "Partners": ("Ptnrs",),
    "Financial": ("Finance",),
    "Networks": ("Network",),
    "Health": ("Healthcare",),
    "Group": ("Grp",),
    "Holdings": ("Hldgs",),
    "Services": ("Svcs",),
    "Software": ("SW",),
}
REGION_TAGS = {
    "US": (" (US)", " US HQ", " - USA", " North America"),
    "CA": (" (CA)", " - Canada", " Canada"),
    "GB": (" (UK)", " - UK", " UK", " (EU)"),
    "DE": (" (DE)", " - Germany", " Deutschland", " (EU)", " EMEA"),
    "FR": (" (FR)", " - France", " (EU)", " EMEA"),
    "JP": (" (JP)", " - Japan", " APAC"),
}


def legal_form(rng: random.Random, country: str) -> str:
    return rng.choice(LEGAL_FORMS.get(country, LEGAL_FORMS["US"]))


def split_legal(name: str) -> tuple[str, str]:
    """("Cobalt Analytics", "Inc.") from "Cobalt Analytics Inc."; ("…", "") without one."""
    for suffix in KNOWN_SUFFIXES:
        if name.endswith(" " + suffix):
            return name[: -len(suffix) - 1], suffix
    return name, ""


def _join(stem: str, suffix: str) -> str:
    if not suffix:
        return stem
    return f"{stem}{suffix}" if suffix.startswith(",") else f"{stem} {suffix}"


# ----------------------------------------------------------------- the edits


def _suffix(rng, stem, suffix, country):
    if not suffix:
        return stem, legal_form(rng, country)
    return stem, rng.choice(SUFFIX_SPELLINGS.get(suffix, ("",)))


def _the(rng, stem, suffix, country):
    return (stem[4:], suffix) if stem.startswith("The ") else (f"The {stem}", suffix)


def _abbreviate(rng, stem, suffix, country):
    words = stem.split(" ")
    found = [i for i, word in enumerate(words) if word in ABBREVIATIONS]
    initials = "".join(w[0].upper() for w in words if w[:1].isalpha() and w != "The")
    if len(initials) >= 3 and (not found or rng.random() < 0.4):
        if rng.random() < 0.5:
            return initials, suffix
        return f"{initials[:-1]} {words[-1]}", suffix
    if not found:
        return _compact(rng, stem, suffix, country)
    index = rng.choice(found)
    words[index] = rng.choice(ABBREVIATIONS[words[index]])
    return " ".join(words), suffix


def _region(rng, stem, suffix, country):
    tag = rng.choice(REGION_TAGS.get(country, REGION_TAGS["US"]))
    return (f"{stem}{tag}", "") if rng.random() < 0.5 else (f"{_join(stem, suffix)}{tag}", "")


def _ampersand(rng, stem, suffix, country):
    if " & " in stem:
        return stem.replace(" & ", " and "), suffix
    return stem.replace(" and ", " & "), suffix


def _compact(rng, stem, suffix, country):
    return stem.replace(" ", rng.choice(("", "-"))), suffix


# Each edit with its weight, in the order edits are applied (so tags stay readable).
EDITS = (
    (_suffix, 3.0),
    (_the, 1.0),
    (_ampersand, 3.0),  # only offered where the name has "&" or "and"
    (_abbreviate, 2.0),
    (_compact, 1.0),
    (_region, 1.5),
)


def typo(rng: random.Random, text: str) -> str:
    """One slip of the keyboard in a word of five letters or more: two letters swapped, one
    dropped or one doubled (never the first letter, so the name still sorts the same)."""
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
    if not candidates:
        return text
    index = rng.choice(candidates)
    word = words[index]
    at = rng.randint(1, len(word) - 2)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    elif kind == "drop":
        word = word[:at] + word[at + 1 :]
    else:
        word = word[:at] + word[at] + word[at:]
    words[index] = word
    return " ".join(words)


def _case(rng: random.Random, text: str) -> str:
    style = rng.choice(("upper", "lower", "first"))
    if style == "upper":
        return text.upper()
    if style == "lower":
        return text.lower()
    return text[:1] + text[1:].lower()


def messy_name(
    rng: random.Random, name: str, country: str, max_edits: int = 1, typo_share: float = 0.0
) -> str:
    """`name` as another system spells it: 1 to `max_edits` edits, maybe a typo."""
    stem, suffix = split_legal(name)
    has_and = " & " in stem or " and " in stem
    edits = [(edit, weight) for edit, weight in EDITS if edit is not _ampersand or has_and]
    edits.append((None, 2.0))  # None: the case edit, applied last
    count = rng.randint(1, max_edits)
    chosen: list = []
    while len(chosen) < min(count, len(edits)):
        edit = rng.choices([e for e, _ in edits], [w for _, w in edits])[0]
        if edit not in chosen:
            chosen.append(edit)
    for edit, _ in edits:  # in a fixed order: the same choice always reads the same
        if edit is not None and edit in chosen:
            stem, suffix = edit(rng, stem, suffix, country)
    text = _join(stem, suffix)
    if typo_share and rng.random() < typo_share:
        text = typo(rng, text)
    if None in chosen:
        text = _case(rng, text)
    return re.sub(r"\s+", " ", text).strip()
