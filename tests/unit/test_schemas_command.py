"""`oms schemas` writes each record's schema at its version once, and never rewrites one."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.cli import schemas
from models import records
from models.records import RECORDS


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(records, "SCHEMAS", tmp_path)
    return tmp_path


def test_every_record_gets_the_schema_of_its_version(folder: Path) -> None:
    written, stale = schemas.write_schemas()
    assert (len(written), stale) == (len(RECORDS), [])
    assert (folder / "PlaceOrder.v2.json").exists() and (folder / "Order.v2.json").exists()


def test_a_second_run_writes_nothing(folder: Path) -> None:
    schemas.write_schemas()
    assert schemas.write_schemas() == ([], [])


def test_a_model_changed_since_its_file_was_written_asks_for_a_new_version(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schemas.write_schemas()
    (folder / "Product.v1.json").write_text("{}\n")

    assert schemas.run() == 1
    assert (
        "Product changed since Product.v1.json was written: raise Product.schema_version to 2"
        in (capsys.readouterr().out)
    )
    assert (folder / "Product.v1.json").read_text() == "{}\n"


def test_the_committed_schemas_are_what_the_command_writes() -> None:
    assert schemas.write_schemas() == ([], [])
