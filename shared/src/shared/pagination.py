"""Limit/offset pagination with a hard cap, so no list request can ask for everything at once."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
# Deep offsets make PostgreSQL read and discard every earlier row; narrow the filters instead.
MAX_OFFSET = 10_000

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class PageParams:
    limit: int = DEFAULT_LIMIT
    offset: int = 0


# async, as every dependency of the request path: FastAPI runs a plain function in its
# threadpool, a thread hop for each request.
async def page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}.")
    ] = DEFAULT_LIMIT,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="How many matching items to skip.")
    ] = 0,
) -> PageParams:
    return PageParams(limit, offset)


PageDep = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    """One page of a list, with what it takes to ask for the next."""

    items: list[T]
    total: int = Field(description="How many items match the filters.")
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page; null on the last.")


def next_offset(params: PageParams, total: int) -> int | None:
    following = params.offset + params.limit
    return following if following < total else None


def page_of(items: Sequence[T], params: PageParams, total: int) -> Page[T]:
    return Page[T](
        items=list(items),
        total=total,
        limit=params.limit,
        offset=params.offset,
        next_offset=next_offset(params, total),
    )


async def fetch(
    session: AsyncSession, statement: SelectOfScalar[R], params: PageParams
) -> tuple[Sequence[R], int]:
    """One page of the statement's rows (it must be ordered) and the count of all of them."""
    counted: SelectOfScalar[Any] = select(func.count()).select_from(
        statement.order_by(None).subquery()
    )
    total = int((await session.exec(counted)).one())
    rows = (await session.exec(statement.limit(params.limit).offset(params.offset))).all()
    return rows, total
