"""Each value list of walks is written three times: the enum the service validates with, the
Literal of the event contract consumers read, and the CHECK constraint of the table. They must
be the same list; a value added to one only fails here."""

import re
from enum import StrEnum
from typing import Any, get_args

import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.contracts import walks as contract
from walks import domain

pytestmark = pytest.mark.service

# (enum, the contract's Literal or None, the (table, column)s whose CHECK lists it)
LISTS: list[tuple[type[StrEnum], Any, list[tuple[str, str]]]] = [
    (domain.WalkStatus, None, [("walk", "status")]),
    (domain.LightCondition, contract.LightCondition, [("walk", "light_condition")]),
    (domain.ObservedLight, contract.ObservedLight, [("observation", "light")]),
    (domain.ParticipantRole, contract.ParticipantRole, [("participant", "role")]),
    (domain.Sentiment, contract.Sentiment, [("observation", "sentiment")]),
    (domain.Severity, contract.Severity, [("observation", "severity")]),
    (domain.Perspective, contract.Perspective, []),
    (domain.PlanStatus, None, [("action_plan", "status")]),
    (domain.MeasureStatus, contract.MeasureStatus, [("measure", "status")]),
    (domain.Priority, contract.Priority, [("measure", "priority")]),
]
CHECKS = text(
    "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE conrelid = CAST(:table AS regclass) AND contype = 'c'"
)


async def _checked_values(session: AsyncSession, table: str, column: str) -> set[str]:
    """The values the table's CHECK constraint on the column allows."""
    conn = await session.connection()
    for (definition,) in (await conn.execute(CHECKS, {"table": table})).all():
        if re.match(rf"CHECK \(\(?\(?{column} = ANY|CHECK \(\(?{column} = ", definition):
            return set(re.findall(r"'([^']+)'::text", definition))
    raise AssertionError(f"{table}.{column} has no CHECK listing its values")


@pytest.mark.parametrize(("enum", "literal", "columns"), LISTS, ids=[e.__name__ for e, *_ in LISTS])
async def test_the_enum_the_contract_and_the_table_list_the_same_values(
    session: AsyncSession, enum: type[StrEnum], literal: Any, columns: list[tuple[str, str]]
) -> None:
    values = {member.value for member in enum}
    if literal is not None:
        assert set(get_args(literal)) == values
    for table, column in columns:
        assert await _checked_values(session, table, column) == values
