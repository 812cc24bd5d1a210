"""A whole simulated B2B SaaS company on one machine: generator, ground truth and the
local servers (Stripe, Salesforce, PostgreSQL) that speak each system's real wire format.

    plan = generate(seed=42)                  # or load_scenario("my_case.yaml")
    write_ground_truth(plan, directory)       # what revtruth's answers are checked against
    with running_company(plan) as company:    # every system up on 127.0.0.1
        company.environment()                 # the settings revtruth needs to reach them

`generate(seed, identity_noise="high")` makes identity harder: none, low (the default),
medium, high or no_keys say how many ids the systems store of each other and how messy
names, emails and records are (`company/levels.py`).

Where things live: `company/` builds the plan (the one description every system renders),
`stripe/`, `salesforce/` and `product_db/` render and serve it, `truth/` computes the ground
truth from it, `http_server` is the base of the simulated HTTP APIs, and `fixtures` holds
ready-made plans and the shipped scenario files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from revtruth.simulate.company.generator import generate
from revtruth.simulate.company.scenario import ScenarioError, load_scenario
from revtruth.simulate.truth.ground_truth import compute as compute_ground_truth
from revtruth.simulate.truth.ground_truth import write as write_ground_truth

if TYPE_CHECKING:
    from revtruth.simulate.running import RunningCompany, running_company

__all__ = [
    "RunningCompany",
    "ScenarioError",
    "compute_ground_truth",
    "generate",
    "load_scenario",
    "running_company",
    "write_ground_truth",
]


def __getattr__(name: str) -> Any:
    # The servers and the PostgreSQL driver load only when a company is started.
    if name in ("running_company", "RunningCompany"):
        from revtruth.simulate import running

        return getattr(running, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
