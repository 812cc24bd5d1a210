"""The simulated Stripe: the plan's billing rendered in Stripe's wire format and served."""
