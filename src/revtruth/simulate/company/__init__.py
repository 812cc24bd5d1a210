"""The simulated company as one plan: who the customers are and what each system recorded.

`generator.generate` builds a plan from a seed, `scenario.load_scenario` from a hand-written
YAML file; every simulated system (Stripe, Salesforce, the product database) renders the same
plan, and the ground truth is computed from it.
"""
