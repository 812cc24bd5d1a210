"""A MongoDB wire-protocol simulator (simulate.mongodb.server) for the product database."""
