"""A whole simulated B2B SaaS company on one machine: generator, ground truth and the
local servers (Stripe, Salesforce, PostgreSQL) that speak each system's real wire format."""
