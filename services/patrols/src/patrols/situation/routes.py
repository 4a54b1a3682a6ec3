"""Routes of the weekly situational picture (lägesbild): live, approved versions, exports,
analyses, and the public summary."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from patrols.access import BODY_PROBLEMS, LISTED, Reader, Writer
from patrols.config import SettingsDep
from patrols.fields import MunicipalityPath
from patrols.ratelimit import LIMITED
from patrols.situation import exports, picture
from patrols.situation import service as situation
from patrols.situation.picture import Week
from patrols.situation.schemas import (
    Analysis,
    ApproveBody,
    PublicSummary,
    SituationReportOut,
    VersionList,
    WeekPicture,
)
from shared import location
from shared.auth import Principal
from shared.db import SessionDep
from shared.problems import InvalidInput, TooManyRequests, problem_responses

router = APIRouter(tags=["situation"])

Year = Annotated[int, Path(ge=2000, le=2100, description="The ISO year.")]
WeekNumber = Annotated[int, Path(ge=1, le=53, description="The ISO week.")]
Version = Annotated[int, Path(ge=1, le=10000, description="1 for the first approval.")]
FOUND = {**LISTED, **problem_responses(situation.SituationReportNotFound)}
WEEK = "/municipalities/{municipality}/situation/{year}/{week}"
VERSION = WEEK + "/versions/{version}"


def _week(principal: Principal, municipality: str, year: int, week: int) -> Week:
    """The week, for a token that covers the municipality (another's is not found)."""
    _covered(principal, municipality)
    return picture.iso_week(year, week)


def _covered(principal: Principal, municipality: str) -> None:
    if not principal.may_access(municipality):
        raise situation.SituationReportNotFound("No such municipality for this token.")


@router.get(WEEK, summary="The live picture of a week", response_model=WeekPicture, responses=FOUND)
async def get_live_picture(
    municipality: MunicipalityPath,
    year: Year,
    week: WeekNumber,
    session: SessionDep,
    principal: Reader,
    settings: SettingsDep,
) -> WeekPicture:
    """The week's picture computed now from incidents, hot spots and rounds (not stored)."""
    the_week = _week(principal, municipality, year, week)
    return await picture.compute(session, municipality, the_week, settings.hot_spots.cell_size_m)


@router.post(
    WEEK + "/approve",
    summary="Approve the week's picture",
    status_code=201,
    response_model=SituationReportOut,
    responses={
        **FOUND,
        **BODY_PROBLEMS,
        **problem_responses(situation.SituationConflict),
        **location.CREATED,
    },
)
async def approve_situation_report(
    municipality: MunicipalityPath,
    year: Year,
    week: WeekNumber,
    body: ApproveBody,
    session: SessionDep,
    principal: Writer,
    settings: SettingsDep,
    request: Request,
    response: Response,
) -> SituationReportOut:
    """Freeze the week's picture as its next version, with the group's text."""
    the_week = _week(principal, municipality, year, week)
    figures = await picture.compute(session, municipality, the_week, settings.hot_spots.cell_size_m)
    report = await situation.approve(
        session, principal, the_week, figures, body.text, settings.situation.threshold
    )
    out = situation.as_out(report)
    await session.commit()
    where = {"municipality": municipality, "year": year, "week": week, "version": out.version}
    location.set_location(response, request, "get_version", **where)
    return out


@router.get(
    WEEK + "/versions",
    summary="List the week's frozen versions",
    response_model=VersionList,
    responses=FOUND,
)
async def list_versions(
    municipality: MunicipalityPath,
    year: Year,
    week: WeekNumber,
    session: SessionDep,
    principal: Reader,
) -> VersionList:
    """The week's frozen versions, oldest first."""
    return await situation.versions(
        session, municipality, _week(principal, municipality, year, week)
    )


@router.get(
    VERSION + ".csv",
    summary="A version as CSV",
    response_class=Response,
    responses={**FOUND, 200: {"content": {"text/csv": {}}}},
)
async def version_csv(
    municipality: MunicipalityPath,
    year: Year,
    week: WeekNumber,
    version: Version,
    session: SessionDep,
    principal: Reader,
) -> Response:
    """A frozen version's counts as CSV: per locality, category and cell."""
    the_week = _week(principal, municipality, year, week)
    report = await situation.version(session, municipality, the_week, version)
    return Response(exports.as_csv(report), media_type="text/csv; charset=utf-8")


@router.get(
    VERSION + ".geojson",
    summary="A version's cells as GeoJSON",
    response_class=Response,
    responses={**FOUND, 200: {"content": {"application/geo+json": {}}}},
)
async def version_geojson(
    municipality: MunicipalityPath,
    year: Year,
    week: WeekNumber,
    version: Version,
    session: SessionDep,
    principal: Reader,
) -> Response:
    """A frozen version's grid cells as GeoJSON polygons with their counts."""
    the_week = _week(principal, municipality, year, week)
    report = await situation.version(session, municipality, the_week, version)
    return Response(exports.as_geojson(report), media_type="application/geo+json")


@router.get(
    VERSION + ".html",
    summary="A version as a meeting page",
    response_class=HTMLResponse,
    responses=FOUND,
)
async def version_html(
    municipality: MunicipalityPath,
    year: Year,
    week: WeekNumber,
    version: Version,
    session: SessionDep,
    principal: Reader,
) -> HTMLResponse:
    """A frozen version as a page for the EST group's meeting."""
    the_week = _week(principal, municipality, year, week)
    report = await situation.version(session, municipality, the_week, version)
    return HTMLResponse(exports.as_html(report))


@router.get(
    VERSION, summary="Get a frozen version", response_model=SituationReportOut, responses=FOUND
)
async def get_version(
    municipality: MunicipalityPath,
    year: Year,
    week: WeekNumber,
    version: Version,
    session: SessionDep,
    principal: Reader,
) -> SituationReportOut:
    """One frozen version of the week, as it was approved."""
    the_week = _week(principal, municipality, year, week)
    return situation.as_out(await situation.version(session, municipality, the_week, version))


@router.get(
    "/municipalities/{municipality}/situation/analysis",
    summary="Analyse approved weeks",
    response_model=Analysis,
    responses={**LISTED, **problem_responses(situation.SituationReportNotFound)},
)
async def analyse_situation(
    municipality: MunicipalityPath,
    session: SessionDep,
    principal: Reader,
    period: Annotated[Literal["quarter", "year"], Query(description="Of approved weeks.")],
    year: Annotated[int, Query(ge=2000, le=2100, description="The ISO year.")],
    quarter: Annotated[int | None, Query(ge=1, le=4, description="For a quarter.")] = None,
) -> Analysis:
    """Trends per place and category over approved weeks, where the picture moved, insatser."""
    _covered(principal, municipality)
    return await situation.analysis(session, municipality, period, year, quarter)


@router.get(
    "/public/{municipality}/situation/{year}/{week}",
    summary="The public summary of an approved week",
    response_model=PublicSummary,
    dependencies=LIMITED,
    responses={
        **problem_responses(InvalidInput, situation.SituationReportNotFound, TooManyRequests),
    },
)
async def public_summary(
    municipality: MunicipalityPath, year: Year, week: WeekNumber, session: SessionDep
) -> PublicSummary:
    """The latest approved version of the week with every small count left out (no token)."""
    the_week = picture.iso_week(year, week)
    return situation.public_summary(
        await situation.latest_approved(session, municipality, the_week)
    )
