"""Ground truth: what the simulated company really is, computed from its plan alone."""
