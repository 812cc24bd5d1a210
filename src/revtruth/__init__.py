"""revtruth: one trustworthy answer to "where does the money live?".

Billing (Stripe), CRM (Salesforce) and product-database data copied into one columnar
warehouse with dlt, joined into one row per real company and modelled with dbt.
"""

__version__ = "0.1.0"
