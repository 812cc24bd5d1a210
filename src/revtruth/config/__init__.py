"""revtruth's settings: what can be configured (`settings`), how it is read (`loading`),
and the commented `revtruth.toml` that `revtruth init` writes (`template`)."""

from revtruth.config.loading import (
    ConfigError,
    ConfigWarning,
    load_settings,
    redact,
    reveal_table,
    secret_texts,
)
from revtruth.config.settings import (
    MetricsSettings,
    Secret,
    Settings,
    Table,
    dbt_var_defaults,
    documented_keys,
    env_var_name,
    secret_keys,
)
from revtruth.config.template import render_template

__all__ = [
    "ConfigError",
    "ConfigWarning",
    "MetricsSettings",
    "Secret",
    "Settings",
    "Table",
    "dbt_var_defaults",
    "documented_keys",
    "env_var_name",
    "load_settings",
    "redact",
    "render_template",
    "reveal_table",
    "secret_keys",
    "secret_texts",
]
