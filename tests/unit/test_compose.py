"""The compose files run workers that can find each other, on settings that exist."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import yaml

from apps.cli.workers import worker_ports
from apps.platform import tracing
from apps.platform.settings import PREFIX, SERVICES, Settings

DOCKER = Path(__file__).resolve().parents[2] / "docker"
LOCAL, EXTERNAL = "compose.yaml", "compose.external-kafka.yaml"
#: What an operator exports before `docker compose up` (see each file's header).
OPERATOR = {
    "OMS_BROKER_URL": "kafka://kafka-1.internal:9093;kafka-2.internal:9093",
    "OMS_WEB_HOST": "10.0.0.5",
    "OMS_BROKER_SASL_USERNAME": "oms",
    "OMS_BROKER_SASL_PASSWORD": "s3cret",
    "KAFKA_CA_FILE": "/etc/ssl/kafka-ca.pem",
    "OMS_AUTH_SECRET": "a-secret-the-operator-made-of-48-characters-long",
    "OTEL_TRACES_BACKEND": "tempo.internal:4317",
}
#: Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}` (and without the colon).
VARIABLE = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")
SETTINGS = {PREFIX + field.name.upper() for field in fields(Settings)}


def load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DOCKER / name).read_text())
    return loaded


def interpolate(value: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if name in OPERATOR:
            return OPERATOR[name]
        assert kind == "-", f"${{{name}}} is required: add it to OPERATOR"
        return str(rest)

    return VARIABLE.sub(substitute, value)


def workers(name: str) -> dict[str, dict[str, Any]]:
    return {
        service: spec
        for service, spec in load(name)["services"].items()
        if "faust" in spec.get("command", ())
    }


def environment(spec: dict[str, Any]) -> dict[str, str]:
    return {key: interpolate(str(value)) for key, value in spec["environment"].items()}


def option(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def data_volumes(spec: dict[str, Any]) -> list[str]:
    return [volume.split(":")[0] for volume in spec.get("volumes", ()) if volume.endswith(":/data")]


both_files = pytest.mark.parametrize("name", [LOCAL, EXTERNAL])


#: Built from scratch, without a shell to probe them with; nothing waits for them.
TRACING_PIPELINE = {"otel-collector", "jaeger"}


@both_files
def test_every_service_but_the_tracing_pipeline_has_a_health_check(name: str) -> None:
    services = load(name)["services"].items()
    unchecked = {
        service for service, spec in services if not spec.get("healthcheck", {}).get("test")
    }

    assert unchecked <= TRACING_PIPELINE
    for service, spec in services:
        depends_on = spec.get("depends_on", {})
        for dependency in depends_on:
            healthy = isinstance(depends_on, dict) and depends_on[dependency].get("condition")
            assert not (healthy and dependency in unchecked), f"{service} waits on {dependency}"


@both_files
def test_each_service_runs_at_least_two_workers(name: str) -> None:
    apps = [option(spec["command"], "-A") for spec in workers(name).values()]
    counts = {service: apps.count(f"apps.{service}") for service in SERVICES}

    assert min(counts.values()) >= 2, counts


@both_files
def test_every_command_starts_a_worker_of_an_existing_app(name: str) -> None:
    for service, spec in workers(name).items():
        command, app = spec["command"], option(spec["command"], "-A")

        assert command[:3] == ["python", "-m", "faust"] and "worker" in command, service
        assert app == f"apps.{service.rsplit('-', 1)[0]}", service
        assert importlib.util.find_spec(app) is not None, app


@both_files
def test_every_variable_a_worker_is_given_is_a_setting_or_opentelemetrys(name: str) -> None:
    for service, spec in workers(name).items():
        assert set(spec["environment"]) - SETTINGS - tracing.VARIABLES == set(), service


@both_files
def test_every_worker_exports_its_spans_to_the_collector_beside_it(name: str) -> None:
    collector = load(name)["services"]["otel-collector"]
    receiving = collector["environment"]["OTLP_RECEIVER"]
    port = receiving.rsplit(":", 1)[1]
    for service, spec in workers(name).items():
        endpoint = environment(spec)["OTEL_EXPORTER_OTLP_ENDPOINT"]
        assert tracing.wanted(environment(spec)), service
        host = "127.0.0.1" if spec.get("network_mode") == "host" else "otel-collector"
        assert endpoint == f"http://{host}:{port}", service
        assert "otel-collector" not in spec.get("depends_on", {}), "no worker waits for traces"
    config = yaml.safe_load((DOCKER / "otel-collector.yaml").read_text())
    [mounted] = collector["configs"]
    assert load(name)["configs"][mounted["source"]]["file"] == "./otel-collector.yaml"
    assert mounted["target"] == option(collector["command"][0].split("="), "--config")
    assert config["service"]["pipelines"]["traces"]["receivers"] == ["otlp"]
    assert "http" in config["receivers"]["otlp"]["protocols"]


def test_on_one_machine_the_collector_sends_the_traces_to_jaeger_whose_ui_is_on_localhost() -> None:
    services = load(LOCAL)["services"]
    backend = services["otel-collector"]["environment"]["OTEL_TRACES_BACKEND"]
    assert backend == "jaeger:4317"
    assert services["jaeger"]["ports"] == ["127.0.0.1:16686:16686"]


def test_on_a_cluster_the_collector_listens_on_loopback_and_sends_to_the_operators_backend() -> (
    None
):
    collector = load(EXTERNAL)["services"]["otel-collector"]
    env = {key: interpolate(str(value)) for key, value in collector["environment"].items()}
    assert collector["network_mode"] == "host"
    assert env["OTLP_RECEIVER"].startswith("127.0.0.1:")
    assert env["OTEL_TRACES_BACKEND"] == OPERATOR["OTEL_TRACES_BACKEND"]


@both_files
def test_every_worker_starts_on_valid_settings(name: str) -> None:
    for spec in workers(name).values():
        Settings.from_env(environment(spec))


@both_files
def test_each_worker_advertises_an_address_of_its_own(name: str) -> None:
    addresses = [
        (environment(spec)["OMS_WEB_HOST"], option(spec["command"], "--web-port"))
        for spec in workers(name).values()
    ]

    assert len(set(addresses)) == len(addresses), addresses


@both_files
def test_each_health_check_asks_the_address_its_worker_listens_on(name: str) -> None:
    for service, spec in workers(name).items():
        probe = " ".join(spec["healthcheck"]["test"])
        port = option(spec["command"], "--web-port")

        assert f"os.environ['OMS_WEB_HOST']}}:{port}/health" in probe, service


@both_files
def test_each_worker_keeps_its_tables_in_a_volume_of_its_own(name: str) -> None:
    compose = load(name)
    volumes = {service: data_volumes(spec) for service, spec in workers(name).items()}

    assert all(len(mine) == 1 for mine in volumes.values()), volumes
    owned = [mine[0] for mine in volumes.values()]
    assert len(set(owned)) == len(owned) and set(owned) <= set(compose["volumes"])
    assert {spec["environment"]["OMS_DATA_DIR"] for spec in workers(name).values()} == {"/data"}


def test_on_one_machine_each_worker_advertises_its_own_name_on_the_compose_network() -> None:
    for service, spec in workers(LOCAL).items():
        assert spec["environment"]["OMS_WEB_HOST"] == spec["hostname"] == service


def test_on_one_machine_each_worker_is_published_on_localhost_at_its_oms_up_port() -> None:
    published = {}
    for service, spec in workers(LOCAL).items():
        [port] = spec["ports"]
        host, outside, inside = port.split(":")
        assert (host, inside) == ("127.0.0.1", option(spec["command"], "--web-port")), service
        published[service] = int(outside)

    two_each = Settings(workers=2)
    assert published == {
        f"{service}-{n + 1}": port
        for service in SERVICES
        for n, port in enumerate(worker_ports(two_each, service))
    }


def test_on_one_machine_kafka_runs_kraft_in_a_volume_and_workers_wait_until_it_is_healthy() -> None:
    compose = load(LOCAL)
    kafka = compose["services"]["kafka"]
    env = kafka["environment"]

    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert not any("ZOOKEEPER" in key for key in env)
    assert kafka["healthcheck"]["test"]
    [volume] = kafka["volumes"]
    named, mounted_at = volume.split(":")
    assert (named in compose["volumes"], mounted_at) == (True, env["KAFKA_LOG_DIRS"])
    assert {s: spec["depends_on"] for s, spec in workers(LOCAL).items()} == {
        s: {"kafka": {"condition": "service_healthy"}} for s in workers(LOCAL)
    }


def test_on_a_cluster_workers_advertise_this_machines_address_from_its_network() -> None:
    for service, spec in workers(EXTERNAL).items():
        assert spec["network_mode"] == "host", service
        assert environment(spec)["OMS_WEB_HOST"] == OPERATOR["OMS_WEB_HOST"], service


@pytest.mark.parametrize("name", [LOCAL, EXTERNAL])
def test_no_worker_starts_beyond_loopback_without_a_key_for_tokens(name: str) -> None:
    for service, spec in workers(name).items():
        env = environment(spec)
        env.pop("OMS_AUTH_SECRET")
        with pytest.raises(ValueError, match="OMS_AUTH_SECRET or OMS_AUTH_JWKS"):
            Settings.from_env(env)
        assert env["OMS_WEB_HOST"] not in ("127.0.0.1", "localhost"), service


def test_on_a_cluster_workers_log_in_over_tls_and_keep_three_copies_of_each_topic() -> None:
    compose = load(EXTERNAL)
    for service, spec in workers(EXTERNAL).items():
        settings = Settings.from_env(environment(spec))
        [ca] = spec["configs"]

        assert settings.broker_security_protocol == "SASL_SSL", service
        assert settings.broker_ca_file == ca["target"], service
        assert settings.replication_factor == 3, service
    assert interpolate(compose["configs"]["kafka-ca"]["file"]) == OPERATOR["KAFKA_CA_FILE"]
