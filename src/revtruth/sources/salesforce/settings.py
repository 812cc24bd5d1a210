"""Which Salesforce objects revtruth reads by default, and how it reads them."""

DEFAULT_OBJECTS = ("Account", "Contact", "Lead", "Opportunity", "User")

# Every standard and custom object has SystemModstamp, and Salesforce indexes it: the
# documented cursor for incremental reads (LastModifiedDate misses system changes).
CURSOR_FIELD = "SystemModstamp"
INITIAL_CURSOR = "1970-01-01T00:00:00.000+0000"

# Compound and binary fields cannot be selected next to their components in SOQL.
SKIPPED_FIELD_TYPES = frozenset({"address", "location", "base64"})

API_VERSION = "59.0"
