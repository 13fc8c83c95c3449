"""No import circle among the modules of the platform or of a pure core, not even one the
type checker alone follows: import-linter's contract leaves those out (pyproject.toml)."""

from __future__ import annotations

import grimp
import pytest

PACKAGES = ("apps.platform", "apps.payment.core", "apps.inventory.core")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("apps", exclude_type_checking_imports=False, cache_dir=None)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_imports_one_that_imports_it_back__even_for_the_type_checker(
    graph: grimp.ImportGraph, package: str
) -> None:
    assert graph.nominate_cycle_breakers(package) == set()
