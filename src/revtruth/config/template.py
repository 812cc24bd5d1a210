"""The commented `revtruth.toml` that `revtruth init` writes, generated from the settings
themselves so that it always lists every key with its real default and meaning."""

from __future__ import annotations

import json
from typing import Any

from revtruth.config.settings import default_of, env_var_name, iter_keys

_HEADER = """\
# revtruth configuration, written by `revtruth init`.
#
# Every value below is the default; delete a line to keep the default, change it to override.
# Every key can also be set by an environment variable, which beats this file: the key
# section.sub.key is REVTRUTH_SECTION__SUB__KEY (upper case, "__" between levels), e.g.
#   REVTRUTH_METRICS__REPORTING_CURRENCY=eur
# Environment values are read as TOML values (30, true, ["a", "b"]) or else as plain text.
#
# Secrets (API keys, passwords, tokens, database URLs) do NOT belong in this file. Put them
# in environment variables or in .revtruth/secrets.toml next to this file (same layout as
# this file; another path with REVTRUTH_SECRETS_FILE). Precedence: environment, then
# secrets file, then this file. Secrets are never printed.
"""

_EXAMPLES = """\
# ------------------------------------------------------------------ example: Snowflake
# In this file:
#   [warehouse]
#   destination = "snowflake"
#   [warehouse.dbt_profile]
#   schema = "ANALYTICS"          # dbt target schema
#   threads = 8
# In .revtruth/secrets.toml (dlt's names; revtruth maps host -> account, username -> user for dbt):
#   [warehouse.credentials]
#   database = "REVTRUTH"
#   host = "kgiotue-wn98412"      # account identifier
#   username = "REVTRUTH_LOADER"
#   password = "..."              # or private_key / private_key_path (+ private_key_passphrase)
#   warehouse = "COMPUTE_WH"
#   role = "REVTRUTH_ROLE"

# ------------------------------------------------------------------- example: BigQuery
# In this file:
#   [warehouse]
#   destination = "bigquery"
#   [warehouse.dbt_profile]
#   dataset = "analytics"         # dbt target dataset
#   location = "US"
# In .revtruth/secrets.toml (service account key fields, as dlt names them):
#   [warehouse.credentials]
#   project_id = "my-gcp-project"
#   client_email = "revtruth@my-gcp-project.iam.gserviceaccount.com"
#   private_key = "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----\\n"
"""


def toml_value(value: Any) -> str:
    """A default as TOML writes it: "text", 30, true, ["a", "b"]."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value))


def render_template() -> str:
    """Every section with its keys: each key's meaning and environment variable in a
    comment, then `key = default`. Secrets are shown commented out, free-form tables as
    their own section (after the section's plain keys, as TOML requires)."""
    sections: dict[str, tuple[list[str], list[str]]] = {}
    for key, f in iter_keys():
        section, name = key.rsplit(".", 1)
        plain, tables = sections.setdefault(section, ([], []))
        help_text, env = f.metadata.get("help", ""), env_var_name(key)
        if f.metadata.get("table") and f.metadata.get("secret"):
            plain += [
                f"# [{key}]: SECRET table. {help_text} Env: {env}__<KEY>",
                "# Put it in .revtruth/secrets.toml, not here (examples at the end of this file).",
            ]
        elif f.metadata.get("table"):
            tables += [f"# {help_text} Env: {env}__<KEY>", f"[{key}]"]
        elif f.metadata.get("secret"):
            plain += [
                f"# SECRET, set in the environment or .revtruth/secrets.toml: {help_text}"
                f" Env: {env}",
                f'# {name} = "..."',
            ]
        else:
            plain += [f"# {help_text} Env: {env}", f"{name} = {toml_value(default_of(key))}"]
    parts = [_HEADER]
    for section, (plain, tables) in sections.items():
        parts.append("\n".join([f"[{section}]", *plain, *([""] if tables else []), *tables]))
    parts.append(_EXAMPLES)
    return "\n\n".join(part.rstrip("\n") for part in parts) + "\n"
