"""Routes of each municipality's tip categories: read by anyone, set by administrators."""

from fastapi import APIRouter, Request, Response

from shared import location
from shared.auth import AUTH_PROBLEMS
from shared.db import SessionDep
from shared.problems import InvalidInput, TooManyRequests, problem_responses
from tips.access import BODY_PROBLEMS, LISTED, Admin, Reader
from tips.categories import service as categories
from tips.categories.models import Category
from tips.categories.schemas import CategoryRead, CategoryWrite
from tips.fields import CategoryPath, MunicipalityPath
from tips.ratelimit import ReadRateLimited

router = APIRouter(tags=["categories"])

SET = {**AUTH_PROBLEMS, **problem_responses(InvalidInput), **BODY_PROBLEMS}
PUBLIC = problem_responses(InvalidInput, TooManyRequests)


def category_read(category: Category) -> CategoryRead:
    return CategoryRead.model_validate(category, from_attributes=True)


@router.get(
    "/public/{municipality}/categories",
    response_model=list[CategoryRead],
    summary="List the categories residents choose from",
    responses=PUBLIC,
)
async def list_public_categories(
    municipality: MunicipalityPath, session: SessionDep, _: ReadRateLimited
) -> list[CategoryRead]:
    """The municipality's categories in use, each parent followed by its subcategories."""
    return [category_read(c) for c in await categories.list_categories(session, municipality)]


@router.get(
    "/municipalities/{municipality}/categories",
    response_model=list[CategoryRead],
    summary="List every category, retired ones too",
    responses=LISTED,
)
async def list_categories(
    municipality: MunicipalityPath, session: SessionDep, principal: Reader
) -> list[CategoryRead]:
    """All of the municipality's categories, for the staff who keep them."""
    principal.require_municipality(municipality)
    rows = await categories.list_categories(session, municipality, include_inactive=True)
    return [category_read(c) for c in rows]


@router.put(
    "/municipalities/{municipality}/categories/{code}",
    response_model=CategoryRead,
    summary="Set a category",
    responses={**SET, 201: {**location.CREATED[201], "description": "The category was created."}},
)
async def put_category(
    municipality: MunicipalityPath,
    code: CategoryPath,
    body: CategoryWrite,
    session: SessionDep,
    principal: Admin,
    request: Request,
    response: Response,
) -> CategoryRead:
    """Create or replace a category with its questions; `active: false` retires it."""
    principal.require_municipality(municipality)
    category, created = await categories.put_category(session, municipality, code, body)
    response.status_code = 201 if created else 200
    if created:
        location.set_location(
            response, request, "put_category", municipality=municipality, code=code
        )
    return category_read(category)


@router.post(
    "/municipalities/{municipality}/default-categories",
    response_model=list[CategoryRead],
    summary="Add the default categories",
    responses=LISTED,
)
async def install_default_categories(
    municipality: MunicipalityPath, session: SessionDep, principal: Admin
) -> list[CategoryRead]:
    """Adds the default categories the municipality does not have yet; changes none it has."""
    principal.require_municipality(municipality)
    return [category_read(c) for c in await categories.install_defaults(session, municipality)]
