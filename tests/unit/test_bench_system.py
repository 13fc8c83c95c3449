"""Where the bench finds each worker's /metrics: the service's URL, then one per extra worker."""

from __future__ import annotations

from apps.cli.bench.system import metrics_urls

BASE = {
    "order": "http://127.0.0.1:8070",
    "inventory": "http://127.0.0.1:8071",
    "payment": "http://127.0.0.1:8072",
}


def test_one_worker_per_service_is_scraped_at_the_services_url() -> None:
    urls = metrics_urls(BASE, {"broker": 1, "order": 2, "inventory": 3, "payment": 4})

    assert urls == {service: [url] for service, url in BASE.items()}


def test_worker_n_of_a_service_is_scraped_on_its_port_plus_a_hundred_per_worker() -> None:
    pids = {"order": 2, "order-2": 5, "order-3": 6, "inventory": 3, "payment": 4}

    urls = metrics_urls(BASE, pids)

    assert urls["order"] == [
        "http://127.0.0.1:8070",
        "http://127.0.0.1:8170",
        "http://127.0.0.1:8270",
    ]
    assert urls["inventory"] == ["http://127.0.0.1:8071"]


def test_without_pids_each_service_is_scraped_at_its_url_alone() -> None:
    assert metrics_urls(BASE, {}) == {service: [url] for service, url in BASE.items()}
