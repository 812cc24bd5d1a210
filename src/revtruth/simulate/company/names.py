"""Company names, domains, people and the spelling noise each system adds to them."""

from __future__ import annotations

import random
import re

_FIRST_WORDS = [
    "Acme",
    "Apex",
    "Aurora",
    "Beacon",
    "Birch",
    "Blue",
    "Bright",
    "Cedar",
    "Cobalt",
    "Copper",
    "Crest",
    "Delta",
    "Ember",
    "Evergreen",
    "Falcon",
    "Fern",
    "Granite",
    "Harbor",
    "Helix",
    "Horizon",
    "Indigo",
    "Iron",
    "Juniper",
    "Keystone",
    "Lumen",
    "Maple",
    "Meridian",
    "Nimbus",
    "North",
    "Nova",
    "Oak",
    "Onyx",
    "Orbit",
    "Pine",
    "Pioneer",
    "Polar",
    "Prism",
    "Quartz",
    "Quill",
    "Redwood",
    "Ridge",
    "River",
    "Sable",
    "Sage",
    "Silver",
    "Solar",
    "Spruce",
    "Stellar",
    "Summit",
    "Tidal",
    "Trident",
    "Vector",
    "Vertex",
    "Willow",
    "Zenith",
]
_SECOND_WORDS = [
    "Analytics",
    "Bio",
    "Cloud",
    "Commerce",
    "Data",
    "Dynamics",
    "Energy",
    "Financial",
    "Foods",
    "Health",
    "Insights",
    "Labs",
    "Logistics",
    "Media",
    "Medical",
    "Networks",
    "Partners",
    "Robotics",
    "Security",
    "Software",
    "Solutions",
    "Systems",
    "Technologies",
    "Ventures",
    "Works",
]
FIRST_WORDS = tuple(_FIRST_WORDS)  # what look-alike names are made of
_LEGAL_SUFFIXES = ("Inc.", "LLC", "Ltd", "GmbH", "Corp.", "Co.", "")
_TLDS = (".com", ".com", ".com", ".io", ".co", ".de", ".ai")
FREE_MAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com")
_FIRST_NAMES = [
    "Ada",
    "Alan",
    "Amara",
    "Ben",
    "Carla",
    "Chen",
    "Dana",
    "Diego",
    "Elena",
    "Emma",
    "Farah",
    "Felix",
    "Grace",
    "Hana",
    "Ivan",
    "Jonas",
    "Julia",
    "Kai",
    "Lena",
    "Liam",
    "Maya",
    "Mateo",
    "Nia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
    "Quinn",
    "Rafael",
    "Sara",
    "Sofia",
    "Tariq",
    "Uma",
    "Victor",
    "Wen",
    "Yara",
    "Yusuf",
    "Zoe",
]
_LAST_NAMES = [
    "Adams",
    "Baker",
    "Brown",
    "Chen",
    "Costa",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Gupta",
    "Hall",
    "Ito",
    "Jensen",
    "Khan",
    "Kim",
    "Lopez",
    "Martin",
    "Meyer",
    "Moreau",
    "Nakamura",
    "Novak",
    "Okafor",
    "Patel",
    "Rossi",
    "Schmidt",
    "Silva",
    "Smith",
    "Tanaka",
    "Weber",
    "Wong",
]
TITLES = ("CEO", "CFO", "VP Finance", "Head of Operations", "CTO", "Engineering Manager", None)


def company_name(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    """A unique (name, domain) pair such as ("Cobalt Analytics Inc.", "cobaltanalytics.com")."""
    while True:
        first, second = rng.choice(_FIRST_WORDS), rng.choice(_SECOND_WORDS)
        stem = f"{first} {second}"
        domain = re.sub(r"[^a-z0-9]", "", stem.lower()) + rng.choice(_TLDS)
        if stem not in taken:
            taken.add(stem)
            suffix = rng.choice(_LEGAL_SUFFIXES)
            return (f"{stem} {suffix}".strip(), domain)


def stem_of(name: str) -> str:
    """The name without its legal suffix: "Cobalt Analytics Inc." -> "Cobalt Analytics"."""
    for suffix in _LEGAL_SUFFIXES:
        if suffix and name.endswith(" " + suffix):
            return name[: -len(suffix) - 1]
    return name


def name_variant(rng: random.Random, name: str) -> str:
    """How another system spells the same company: casing, punctuation, suffix dropped."""
    stem = stem_of(name)
    return rng.choice(
        (
            name,
            stem,
            stem.upper(),
            stem.lower(),
            name.replace(" Inc.", ", Inc.").replace(" Ltd", " Limited"),
            stem.replace(" ", ""),
            f"{stem} ({rng.choice(('US', 'EU', 'HQ'))})",
        )
    )


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", stem_of(name).lower()).strip("-")


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)


def work_email(first: str, last: str, domain: str) -> str:
    return f"{first.lower()}.{last.lower()}@{domain}"


def free_mail(rng: random.Random, first: str, last: str) -> str:
    return f"{first.lower()}{last.lower()}{rng.randint(1, 999)}@{rng.choice(FREE_MAIL_DOMAINS)}"


def website_variant(rng: random.Random, domain: str) -> str | None:
    """CRM websites are typed by hand: scheme, www and trailing slashes vary, some are empty."""
    return rng.choice(
        (
            domain,
            f"www.{domain}",
            f"https://{domain}",
            f"http://www.{domain}/",
            f"https://www.{domain}/",
            None,
        )
    )
