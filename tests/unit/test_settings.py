"""Settings come from OMS_* variables, with laptop defaults and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.platform.settings import Settings


def test_defaults_run_on_a_laptop() -> None:
    settings = Settings.from_env({})

    assert settings.broker_url == "kafka://127.0.0.1:9092"
    assert settings.web_host == "127.0.0.1"
    assert (settings.partitions, settings.fetch_wait_ms) == (8, 10)


def test_each_setting_is_read_from_its_prefixed_variable() -> None:
    settings = Settings.from_env(
        {
            "OMS_BROKER_URL": "kafka://127.0.0.1:19092",
            "OMS_DATA_DIR": "/tmp/x",
            "OMS_PARTITIONS": "4",
            "OMS_REQUEST_TIMEOUT": "2.5",
        }
    )

    assert settings.broker_host_port == ("127.0.0.1", 19092)
    assert settings.data_dir == Path("/tmp/x")
    assert (settings.partitions, settings.request_timeout) == (4, 2.5)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("OMS_PARTITIONS", "many", "OMS_PARTITIONS='many' is not a valid int"),
        ("OMS_PARTITIONS", "0", "OMS_PARTITIONS must be at least 1"),
        ("OMS_FETCH_WAIT_MS", "5000", "OMS_FETCH_WAIT_MS must be within"),
        ("OMS_MAX_OPEN_SAGAS", "0", "OMS_MAX_OPEN_SAGAS must be at least 1"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(
    variable: str, value: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env({variable: value})
