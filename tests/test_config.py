from __future__ import annotations

import dataclasses
import warnings
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from revtruth.config import (
    ConfigError,
    ConfigWarning,
    Secret,
    Settings,
    documented_keys,
    env_var_name,
    load_settings,
    render_template,
)


@pytest.fixture(autouse=True)
def _empty_cwd(tmp_path, monkeypatch):
    """Every test starts in an empty folder, so no ./revtruth.toml is picked up by accident."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_config_file():
    s = load_settings(env={})
    assert s.config_path is None and s.secrets_path is None
    assert s.warehouse.destination == "duckdb"
    assert s.warehouse.resolved_path == Path.cwd() / "revtruth.duckdb"
    assert s.warehouse.dataset_name("stripe") == "raw_stripe"
    assert s.metrics.reporting_currency == "usd"
    assert s.metrics.low_adoption_below == 10
    assert s.sources.stripe.api_key is None
    assert s.sources.salesforce.objects == ("Account", "Contact", "Lead", "Opportunity", "User")
    assert s.sources.product_db.tables == ("tenants", "users", "user_activity_logs")
    assert s.sources.product_db.chunk_rows == 100_000


def test_cwd_revtruth_toml_is_read_when_no_path_is_given():
    write(Path.cwd() / "revtruth.toml", '[metrics]\nreporting_currency = "EUR"\n')
    s = load_settings(env={})
    assert s.config_path == Path.cwd() / "revtruth.toml"
    assert s.metrics.reporting_currency == "eur"  # normalised to lower case


def test_duckdb_path_is_relative_to_the_config_files_folder(tmp_path):
    cfg = write(tmp_path / "proj" / "revtruth.toml", '[warehouse]\npath = "data/w.duckdb"\n')
    s = load_settings(cfg, env={})
    assert s.warehouse.resolved_path == tmp_path / "proj" / "data" / "w.duckdb"
    assert s.warehouse.path == "data/w.duckdb"


def test_environment_beats_the_file(tmp_path):
    cfg = write(tmp_path / "revtruth.toml", "[metrics]\nrecent_activity_days = 14\n")
    env = {"REVTRUTH_METRICS__RECENT_ACTIVITY_DAYS": "7"}
    assert load_settings(cfg, env=env).metrics.recent_activity_days == 7
    assert load_settings(cfg, env={}).metrics.recent_activity_days == 14


def test_environment_values_are_read_as_toml_values():
    env = {
        "REVTRUTH_METRICS__PAST_DUE_COUNTS": "false",
        "REVTRUTH_SOURCES__STRIPE__PAGE_SIZE": "50",
        "REVTRUTH_SOURCES__SALESFORCE__OBJECTS": '["Account", "Opportunity"]',
        "REVTRUTH_SOURCES__SALESFORCE__API_VERSION": "60.0",  # a string setting stays text
        "REVTRUTH_METRICS__AS_OF_DATE": "2024-01-31",
        "REVTRUTH_SOURCES__STRIPE__BASE_URL": "http://127.0.0.1:12111",
        "REVTRUTH_SOURCES__PRODUCT_DB__SCHEMA": '"app"',  # a quoted TOML string is unquoted
        "REVTRUTH_WAREHOUSE__DBT_PROFILE__THREADS": "8",
        "REVTRUTH_WAREHOUSE__DBT_PROFILE__SCHEMA": "analytics",
    }
    s = load_settings(env=env)
    assert s.metrics.past_due_counts is False
    assert s.sources.stripe.page_size == 50
    assert s.sources.salesforce.objects == ("Account", "Opportunity")
    assert s.sources.salesforce.api_version == "60.0"
    assert s.metrics.as_of_date == "2024-01-31"
    assert s.sources.stripe.base_url == "http://127.0.0.1:12111"
    assert s.sources.product_db.schema == "app"
    assert dict(s.warehouse.dbt_profile) == {"threads": 8, "schema": "analytics"}


def test_env_var_name_rule():
    assert env_var_name("sources.product_db.url") == "REVTRUTH_SOURCES__PRODUCT_DB__URL"
    assert env_var_name("metrics.as_of_date") == "REVTRUTH_METRICS__AS_OF_DATE"


def test_secrets_file_next_to_config_is_read_and_env_beats_it(tmp_path):
    cfg = write(tmp_path / "revtruth.toml", "[sources.stripe]\npage_size = 10\n")
    write(
        tmp_path / ".revtruth" / "secrets.toml",
        '[sources.stripe]\napi_key = "sk_from_file"\n'
        '[sources.product_db]\nurl = "postgresql://u:pw@127.0.0.1/db"\n',
    )
    s = load_settings(cfg, env={})
    assert s.secrets_path == tmp_path / ".revtruth" / "secrets.toml"
    assert s.sources.stripe.api_key.reveal() == "sk_from_file"
    assert s.sources.product_db.url.reveal() == "postgresql://u:pw@127.0.0.1/db"
    assert s.sources.stripe.page_size == 10

    env = {"REVTRUTH_SOURCES__STRIPE__API_KEY": "sk_from_env"}
    s = load_settings(cfg, env=env)
    assert s.sources.stripe.api_key.reveal() == "sk_from_env"
    assert s.sources.product_db.url.reveal() == "postgresql://u:pw@127.0.0.1/db"


def test_secrets_file_beats_revtruth_toml(tmp_path):
    cfg = write(tmp_path / "revtruth.toml", '[sources.stripe]\napi_key = "sk_in_config"\n')
    write(tmp_path / ".revtruth" / "secrets.toml", '[sources.stripe]\napi_key = "sk_in_secrets"\n')
    with pytest.warns(ConfigWarning):
        s = load_settings(cfg, env={})
    assert s.sources.stripe.api_key.reveal() == "sk_in_secrets"


def test_secrets_file_from_env_var(tmp_path):
    secrets = write(tmp_path / "elsewhere.toml", '[warehouse.credentials]\npassword = "pw"\n')
    s = load_settings(env={"REVTRUTH_SECRETS_FILE": str(secrets)})
    assert s.secrets_path == secrets
    assert s.warehouse.credentials["password"].reveal() == "pw"


def test_missing_secrets_file_named_by_env_var_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="REVTRUTH_SECRETS_FILE"):
        load_settings(env={"REVTRUTH_SECRETS_FILE": str(tmp_path / "nope.toml")})


def test_secret_in_revtruth_toml_is_loaded_with_a_warning_to_move_it(tmp_path):
    cfg = write(tmp_path / "revtruth.toml", '[sources.salesforce]\npassword = "hunter2"\n')
    with pytest.warns(ConfigWarning, match="sources.salesforce.password") as record:
        s = load_settings(cfg, env={})
    message = str(record[0].message)
    assert "REVTRUTH_SOURCES__SALESFORCE__PASSWORD" in message
    assert "secrets.toml" in message
    assert "hunter2" not in message
    assert s.sources.salesforce.password.reveal() == "hunter2"


def test_no_warning_without_secrets_in_revtruth_toml(tmp_path):
    cfg = write(tmp_path / "revtruth.toml", "[sources.stripe]\npage_size = 10\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_settings(cfg, env={})


def test_secret_never_prints():
    secret = Secret("sk_live_abc")
    assert repr(secret) == "'********'"
    assert str(secret) == "********"
    assert f"{secret}" == "********"
    assert secret.reveal() == "sk_live_abc"
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b")
    with pytest.raises(AttributeError):
        secret._value = "x"


def test_repr_of_settings_shows_no_secret(tmp_path):
    write(
        tmp_path / ".revtruth" / "secrets.toml",
        '[warehouse.credentials]\npassword = "wh-pass-123"\nusername = "loader-user"\n',
    )
    cfg = write(tmp_path / "revtruth.toml", "")
    env = {
        "REVTRUTH_SOURCES__STRIPE__API_KEY": "sk_test_secret_999",
        "REVTRUTH_SOURCES__SALESFORCE__CLIENT_SECRET": "sf-client-secret",
        "REVTRUTH_SOURCES__PRODUCT_DB__URL": "postgresql://app:dbpass@127.0.0.1:5432/app",
        "REVTRUTH_WAREHOUSE__CREDENTIALS__TOKEN": "tok-777",
    }
    s = load_settings(cfg, env=env)
    shown = repr(s) + str(s) + repr(dataclasses.asdict(s))
    for value in (
        "wh-pass-123",
        "loader-user",
        "sk_test_secret_999",
        "sf-client-secret",
        "dbpass",
        "tok-777",
    ):
        assert value not in shown
    assert s.warehouse.credentials["token"].reveal() == "tok-777"
    assert s.warehouse.credentials["password"].reveal() == "wh-pass-123"


def test_unknown_key_in_file_names_key_and_file(tmp_path):
    cfg = write(tmp_path / "revtruth.toml", "[metrics]\nrecent_activty_days = 3\n")
    with pytest.raises(ConfigError) as err:
        load_settings(cfg, env={})
    assert "metrics.recent_activty_days" in str(err.value)
    assert str(cfg) in str(err.value)
    assert "metrics.recent_activity_days" in str(err.value)  # the suggestion


def test_unknown_section_in_file_is_an_error(tmp_path):
    cfg = write(tmp_path / "revtruth.toml", "[sources.chargebee]\nenabled = true\n")
    with pytest.raises(ConfigError, match=r"sources\.chargebee"):
        load_settings(cfg, env={})


def test_unknown_key_in_secrets_file_names_that_file(tmp_path):
    cfg = write(tmp_path / "revtruth.toml", "")
    secrets = write(tmp_path / ".revtruth" / "secrets.toml", "[sources.stripe]\napikey = 'x'\n")
    with pytest.raises(ConfigError) as err:
        load_settings(cfg, env={})
    assert str(secrets) in str(err.value) and "sources.stripe.apikey" in str(err.value)


def test_unknown_environment_variable_for_a_known_section_is_an_error():
    with pytest.raises(ConfigError, match="REVTRUTH_SOURCES__STRIPE__APIKEY"):
        load_settings(env={"REVTRUTH_SOURCES__STRIPE__APIKEY": "x"})


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("REVTRUTH_WAREHOUSE_PATH", "REVTRUTH_WAREHOUSE__PATH"),
        ("REVTRUTH_METRIC__AS_OF_DATE", "REVTRUTH_METRICS__AS_OF_DATE"),
        ("REVTRUTH_SECRET_FILE", "REVTRUTH_SECRETS_FILE"),
        ("REVTRUTH_OTHER__THING", None),
    ],
)
def test_a_misspelled_revtruth_variable_is_an_error_with_the_likely_name(name, suggestion):
    # left alone, it would leave the setting at its default without a word
    with pytest.raises(ConfigError) as err:
        load_settings(env={name: "x"})
    text = str(err.value)
    assert f"environment variable {name} names no setting" in text
    if suggestion:
        assert f"(did you mean {suggestion}?)" in text
    else:
        assert "did you mean" not in text


def test_bad_type_names_key_expected_type_and_value(tmp_path):
    cfg = write(tmp_path / "revtruth.toml", '[metrics]\nrecent_activity_days = "thirty"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(cfg, env={})
    text = str(err.value)
    assert "metrics.recent_activity_days" in text
    assert "an integer" in text
    assert "'thirty'" in text
    assert str(cfg) in text


def test_bad_type_from_environment_names_the_variable():
    with pytest.raises(ConfigError) as err:
        load_settings(env={"REVTRUTH_METRICS__PAUSED_COUNTS": "maybe"})
    assert "REVTRUTH_METRICS__PAUSED_COUNTS" in str(err.value)
    assert "true or false" in str(err.value)


def test_bad_type_for_a_secret_does_not_show_the_value(tmp_path):
    cfg = write(tmp_path / ".revtruth" / "secrets.toml", "[sources.stripe]\napi_key = 12345678\n")
    with pytest.raises(ConfigError) as err:
        load_settings(env={"REVTRUTH_SECRETS_FILE": str(cfg)})
    assert "sources.stripe.api_key" in str(err.value)
    assert "12345678" not in str(err.value)


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"REVTRUTH_METRICS__AS_OF_DATE": "31/01/2024"}, "metrics.as_of_date"),
        ({"REVTRUTH_SOURCES__STRIPE__PAGE_SIZE": "500"}, "sources.stripe.page_size"),
        ({"REVTRUTH_METRICS__REPORTING_CURRENCY": "dollars"}, "metrics.reporting_currency"),
        ({"REVTRUTH_SOURCES__SALESFORCE__OBJECTS": "Account,User"}, "sources.salesforce.objects"),
    ],
)
def test_invalid_values_are_errors(env, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_settings(env=env)


def test_toml_syntax_error_names_the_file(tmp_path):
    cfg = write(tmp_path / "revtruth.toml", "[metrics\n")
    with pytest.raises(ConfigError, match="not valid TOML") as err:
        load_settings(cfg, env={})
    assert str(cfg) in str(err.value)


def test_unquoted_toml_date_is_accepted_for_as_of_date(tmp_path):
    cfg = write(tmp_path / "revtruth.toml", "[metrics]\nas_of_date = 2024-02-29\n")
    assert load_settings(cfg, env={}).metrics.as_of_date == "2024-02-29"


def test_as_dbt_vars_resolves_an_empty_as_of_date_to_todays_utc_date():
    vars_ = load_settings(env={}).as_dbt_vars()
    assert vars_ == {
        "as_of_date": datetime.now(UTC).date().isoformat(),
        "reporting_currency": "usd",
        "recent_activity_days": 30,
        "zombie_inactivity_days": 90,
        "low_adoption_below": 10,
        "past_due_counts": True,
        "paused_counts": False,
        "discount_duration_mode": "while_active",
        "churn_at": "ended",
        "past_due_churn_after_days": 0,
        "metered_mrr": "zero",
        "health_value_active_users": 3,
        "health_weight_activity_trend": 25,
        "health_weight_seat_utilisation": 15,
        "health_weight_breadth": 15,
        "health_weight_payment": 20,
        "health_weight_contraction": 10,
        "health_weight_renewal": 5,
        "health_weight_time_to_value": 10,
        "reconciliation_grace_days": 45,
        "dataset_prefix": "raw_",
    }
    assert load_settings(env={}).as_dbt_vars(today=date(2025, 3, 1))["as_of_date"] == "2025-03-01"


def test_as_dbt_vars_passes_a_fixed_as_of_date():
    s = load_settings(env={"REVTRUTH_METRICS__AS_OF_DATE": "2024-01-31"})
    assert s.as_dbt_vars()["as_of_date"] == "2024-01-31"


def test_settings_are_frozen():
    s = load_settings(env={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.metrics.recent_activity_days = 1  # type: ignore[misc]


def test_template_gives_the_defaults(tmp_path):
    cfg = write(tmp_path / "revtruth.toml", render_template())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the template holds no secrets
        from_template = load_settings(cfg, env={})
    defaults = Settings()
    assert from_template.metrics == defaults.metrics
    assert from_template.sources == defaults.sources
    for f in dataclasses.fields(defaults.warehouse):
        if f.name != "resolved_path":
            assert getattr(from_template.warehouse, f.name) == getattr(defaults.warehouse, f.name)
    assert from_template.warehouse.resolved_path == tmp_path / "revtruth.duckdb"


def test_template_documents_every_key_and_its_env_var():
    text = render_template()
    for key in documented_keys():
        assert key.rsplit(".", 1)[-1] in text, key
        section = key.rsplit(".", 1)[0]
        if key not in ("warehouse.credentials", "warehouse.dbt_profile"):
            assert env_var_name(key) in text, key
            assert f"[{section}]" in text, section
    assert "REVTRUTH_WAREHOUSE__CREDENTIALS__" in text
    assert 'destination = "snowflake"' in text and 'destination = "bigquery"' in text


def test_documented_keys_lists_every_setting():
    keys = documented_keys()
    assert "warehouse.path" in keys
    assert "sources.salesforce.security_token" in keys
    assert "sources.product_db.chunk_rows" in keys
    assert len(keys) == len(set(keys)) == 65


def test_redact_blots_out_every_secret_setting_and_any_password_in_a_url():
    from revtruth.config import redact

    settings = load_settings(
        env={
            "REVTRUTH_SOURCES__STRIPE__API_KEY": "sk_test_Zq8distinctive",
            "REVTRUTH_WAREHOUSE__CREDENTIALS__PASSWORD": "Wh-Zq8-password",
            "REVTRUTH_WAREHOUSE__DBT_PROFILE__SCHEMA": "analytics_eu",
        },
        discover_files=False,
    )
    text = (
        "key sk_test_Zq8distinctive, password Wh-Zq8-password, schema analytics_eu, "
        "url mysql://loader:other-pw@db/x"
    )
    assert redact(text, settings) == (
        "key ********, password ********, schema analytics_eu, url mysql://loader:********@db/x"
    )
