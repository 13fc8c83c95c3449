"""Settings come from OMS_* variables, with laptop defaults and clear errors."""

from __future__ import annotations

import ssl
from pathlib import Path

import faust
import pytest
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

from apps.platform.adjusted_app import broker_options
from apps.platform.settings import Settings

#: A self-signed CA (EC P-256, valid to 2126), standing for a cluster's own CA.
TEST_CA = """-----BEGIN CERTIFICATE-----
MIIBgzCCASmgAwIBAgIUEwtV5o+vO4nvvxA46mH8bthjj00wCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLb21zLXRlc3QtY2EwIBcNMjYxMTI5MDkyNjMwWhgPMjEyNjEx
MDUwOTI2MzBaMBYxFDASBgNVBAMMC29tcy10ZXN0LWNhMFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAETvGftp/ge38P7RYnSTjltCAVlt3f8b+/ZQvrAKHjvV4irD21
LsAk7DLFXAcVLBem1g9bNyl7umkf5KIsiynUe6NTMFEwHQYDVR0OBBYEFPb9/JNd
gcZ3HeFUsZQYtL5jfeusMB8GA1UdIwQYMBaAFPb9/JNdgcZ3HeFUsZQYtL5jfeus
MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgTFLSYJCffMCfL+TZ
oxTSzVIrC3hNT2arKGAKHg5Vj3YCIQCHmqRMIaP0QmpkwOcBf+5ZYkdD29fxqdts
CI6kbXxnqA==
-----END CERTIFICATE-----
"""
SASL = {
    "OMS_BROKER_SECURITY_PROTOCOL": "SASL_SSL",
    "OMS_BROKER_SASL_MECHANISM": "SCRAM-SHA-512",
    "OMS_BROKER_SASL_USERNAME": "oms",
    "OMS_BROKER_SASL_PASSWORD": "s3cret",
}


@pytest.fixture
def ca_file(tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    path.write_text(TEST_CA)
    return str(path)


def test_defaults_run_on_a_laptop() -> None:
    settings = Settings.from_env({})

    assert settings.broker_url == "kafka://127.0.0.1:9092"
    assert settings.web_host == "127.0.0.1"
    assert (settings.partitions, settings.fetch_wait_ms) == (8, 10)
    assert (settings.log_level, settings.log_format) == ("info", "text")


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
        ("OMS_LOG_FORMAT", "yaml", "OMS_LOG_FORMAT must be one of text, json"),
        ("OMS_REPLICATION_FACTOR", "0", "OMS_REPLICATION_FACTOR must be at least 1"),
        ("OMS_STANDBY_REPLICAS", "-1", "OMS_STANDBY_REPLICAS must be 0 or more"),
        ("OMS_FAULT_HANDLER_FAILURES", "1.5", "OMS_FAULT_HANDLER_FAILURES must be within 0..1"),
        ("OMS_FAULT_CRASH_AFTER_SENDS", "-1", "OMS_FAULT_CRASH_AFTER_SENDS and OMS_RESTARTS"),
        ("OMS_BROKER_SECURITY_PROTOCOL", "TLS", "OMS_BROKER_SECURITY_PROTOCOL must be one of"),
        ("OMS_BROKER_SECURITY_PROTOCOL", "SASL_SSL", "needs OMS_BROKER_SASL_USERNAME and"),
        ("OMS_BROKER_SASL_USERNAME", "oms", "need OMS_BROKER_SECURITY_PROTOCOL SASL_"),
        ("OMS_BROKER_CA_FILE", "ca.pem", "OMS_BROKER_CA_FILE needs OMS_BROKER_SECURITY_PROTOCOL"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(
    variable: str, value: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env({variable: value})


def test_the_broker_is_met_in_plaintext_with_one_copy_of_each_topic_by_default() -> None:
    options = broker_options(Settings.from_env({}))

    assert options["broker_credentials"] is None
    assert options["topic_replication_factor"] == 1


def test_topics_are_created_with_the_replication_factor_a_cluster_asks_for() -> None:
    options = broker_options(Settings.from_env({"OMS_REPLICATION_FACTOR": "3"}))

    assert options["topic_replication_factor"] == 3


def test_sasl_over_tls_logs_in_and_checks_the_brokers_against_the_given_ca(ca_file: str) -> None:
    settings = Settings.from_env({**SASL, "OMS_BROKER_CA_FILE": ca_file})

    credentials = broker_options(settings)["broker_credentials"]
    auth = credentials_to_aiokafka_auth(credentials)

    assert isinstance(credentials, faust.SASLCredentials)
    assert {k: v for k, v in auth.items() if k != "ssl_context"} == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "oms",
        "sasl_plain_password": "s3cret",
    }
    context = auth["ssl_context"]
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert [ca["subject"] for ca in context.get_ca_certs()] == [((("commonName", "oms-test-ca"),),)]


def test_sasl_without_tls_logs_in_over_plaintext() -> None:
    settings = Settings.from_env({**SASL, "OMS_BROKER_SECURITY_PROTOCOL": "SASL_PLAINTEXT"})

    auth = credentials_to_aiokafka_auth(broker_options(settings)["broker_credentials"])

    assert (auth["security_protocol"], auth["ssl_context"]) == ("SASL_PLAINTEXT", None)
    assert auth["sasl_mechanism"] == "SCRAM-SHA-512"


def test_tls_alone_checks_the_brokers_against_the_given_ca(ca_file: str) -> None:
    settings = Settings.from_env(
        {"OMS_BROKER_SECURITY_PROTOCOL": "SSL", "OMS_BROKER_CA_FILE": ca_file}
    )

    credentials = broker_options(settings)["broker_credentials"]

    assert isinstance(credentials, faust.SSLCredentials)
    assert credentials_to_aiokafka_auth(credentials)["security_protocol"] == "SSL"
    assert credentials.context.get_ca_certs()[0]["subject"] == ((("commonName", "oms-test-ca"),),)


def test_tls_without_a_ca_file_trusts_the_systems_cas() -> None:
    settings = Settings.from_env({"OMS_BROKER_SECURITY_PROTOCOL": "SSL"})

    credentials = broker_options(settings)["broker_credentials"]

    assert isinstance(credentials, faust.SSLCredentials)
    assert credentials.context.verify_mode == ssl.CERT_REQUIRED


@pytest.mark.parametrize("content", [None, "not a certificate"])
def test_a_ca_file_that_is_missing_or_not_pem_is_refused_naming_its_variable(
    tmp_path: Path, content: str | None
) -> None:
    path = tmp_path / "ca.pem"
    if content is not None:
        path.write_text(content)
    settings = Settings.from_env(
        {"OMS_BROKER_SECURITY_PROTOCOL": "SSL", "OMS_BROKER_CA_FILE": str(path)}
    )

    with pytest.raises(ValueError, match="OMS_BROKER_CA_FILE="):
        broker_options(settings)


def test_the_sasl_password_stays_out_of_the_settings_repr() -> None:
    settings = Settings.from_env(SASL)

    assert "s3cret" not in repr(settings)
    assert settings.broker_sasl_password == "s3cret"


def test_the_other_services_are_found_on_this_host_unless_their_urls_are_given() -> None:
    default = Settings.from_env({"OMS_BASE_PORT": "19370"})
    given = Settings.from_env({"OMS_INVENTORY_URL": "http://inventory-1:8071"})

    assert default.url_of("inventory") == "http://127.0.0.1:19371"
    assert default.url_of("payment") == "http://127.0.0.1:19372"
    assert given.url_of("inventory") == "http://inventory-1:8071"


def test_a_service_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ValueError, match="OMS_PAYMENT_URL"):
        Settings.from_env({"OMS_PAYMENT_URL": "inventory:8071"})


# -- authentication -----------------------------------------------------------------------

SECRET = "s" * 32
JWKS = "https://idp.example/realms/oms/protocol/openid-connect/certs"


def test_tokens_are_checked_with_hs256_by_default__rs256_and_es256_with_a_jwks() -> None:
    assert Settings.from_env({}).auth == "on"
    assert Settings.from_env({"OMS_AUTH_SECRET": SECRET}).algorithms == ("HS256",)
    assert Settings.from_env({"OMS_AUTH_JWKS": JWKS}).algorithms == ("RS256", "ES256")


def test_the_auth_settings_are_read_from_their_variables() -> None:
    settings = Settings.from_env(
        {
            "OMS_AUTH_JWKS": JWKS,
            "OMS_AUTH_ALGORITHMS": "RS256, PS256",
            "OMS_AUTH_ISSUER": "https://idp.example/realms/oms",
            "OMS_AUTH_AUDIENCE": "oms",
            "OMS_AUTH_ROLES_CLAIM": "realm_access.roles",
            "OMS_AUTH_LEEWAY": "5",
        }
    )

    assert settings.algorithms == ("RS256", "PS256")
    assert settings.auth_issuer == "https://idp.example/realms/oms"
    assert settings.auth_audience == "oms"
    assert (settings.auth_roles_claim, settings.auth_leeway) == ("realm_access.roles", 5.0)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"OMS_AUTH": "maybe"}, "OMS_AUTH must be on or off"),
        ({"OMS_AUTH_SECRET": "s" * 31}, "OMS_AUTH_SECRET must be at least 32 bytes, not 31"),
        ({"OMS_AUTH_SECRET": SECRET, "OMS_AUTH_JWKS": JWKS}, "OMS_AUTH_SECRET or OMS_AUTH_JWKS"),
        ({"OMS_AUTH": "off", "OMS_WEB_HOST": "0.0.0.0"}, "OMS_AUTH=off is only for a loopback"),
        ({"OMS_AUTH": "off", "OMS_WEB_HOST": "order-1"}, "OMS_AUTH=off is only for a loopback"),
        ({"OMS_WEB_HOST": "0.0.0.0"}, "OMS_WEB_HOST=0.0.0.0 reaches beyond this machine"),
        (
            {"OMS_AUTH_JWKS": JWKS, "OMS_AUTH_ALGORITHMS": "HS256"},
            "OMS_AUTH_ALGORITHMS with a JWKS takes RS256, .*not HS256",
        ),
        (
            {"OMS_AUTH_SECRET": SECRET, "OMS_AUTH_ALGORITHMS": "RS256"},
            "OMS_AUTH_ALGORITHMS with a secret takes HS256, HS384, HS512, not RS256",
        ),
        ({"OMS_AUTH_ALGORITHMS": "none"}, "OMS_AUTH_ALGORITHMS with a secret .* not none"),
        ({"OMS_AUTH_ALGORITHMS": "HS256,none"}, "not none"),
        ({"OMS_AUTH_JWKS": JWKS, "OMS_AUTH_ALGORITHMS": "none"}, "not none"),
        ({"OMS_AUTH_ALGORITHMS": " , "}, "not nothing"),
        ({"OMS_AUTH_LEEWAY": "3600"}, "OMS_AUTH_LEEWAY must be within 0..300"),
        ({"OMS_AUTH_ROLES_CLAIM": "."}, "OMS_AUTH_ROLES_CLAIM must name a claim"),
    ],
)
def test_an_auth_setting_that_could_not_check_a_token_safely_is_refused(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env(environ)


def test_a_short_secret_is_refused_saying_how_to_make_a_good_one() -> None:
    with pytest.raises(ValueError, match=r"secrets\.token_urlsafe\(48\)"):
        Settings.from_env({"OMS_AUTH_SECRET": "password"})


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_auth_may_be_off_on_a_loopback_binding(host: str) -> None:
    settings = Settings.from_env({"OMS_AUTH": "off", "OMS_WEB_HOST": host})

    assert (settings.auth, settings.binds_loopback) == ("off", True)


def test_beyond_loopback_a_secret_or_a_jwks_is_enough() -> None:
    with_secret = Settings.from_env({"OMS_WEB_HOST": "0.0.0.0", "OMS_AUTH_SECRET": SECRET})
    with_jwks = Settings.from_env({"OMS_WEB_HOST": "10.0.0.5", "OMS_AUTH_JWKS": JWKS})

    assert not with_secret.binds_loopback and not with_jwks.binds_loopback


def test_the_auth_secret_stays_out_of_the_settings_repr() -> None:
    settings = Settings.from_env({"OMS_AUTH_SECRET": SECRET})

    assert SECRET not in repr(settings) and "auth_secret" not in repr(settings)
    assert settings.auth_secret == SECRET
