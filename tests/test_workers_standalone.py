"""Each worker runs without its API: importing it maps every table its rows point at, so a
foreign key never names a table the process does not know. Checked in a fresh interpreter,
since the test process has imported every app already."""

import subprocess
import sys

import pytest

from crossservice import SERVICES

pytestmark = pytest.mark.unit

CHECK = """
import sys
from sqlalchemy.orm import configure_mappers
from sqlmodel import SQLModel
import {service}.worker
configure_mappers()
tables = SQLModel.metadata.tables
print([f.target_fullname for t in tables.values() for f in t.foreign_keys
       if f.target_fullname.split(".")[0] not in tables])
"""


@pytest.mark.parametrize("service", SERVICES)
def test_the_worker_knows_every_table_its_rows_point_at(service: str) -> None:
    run = subprocess.run(
        [sys.executable, "-c", CHECK.format(service=service)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
