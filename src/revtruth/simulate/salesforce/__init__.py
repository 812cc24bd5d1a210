"""The simulated Salesforce: the plan's CRM rendered as REST records and served over TLS."""
