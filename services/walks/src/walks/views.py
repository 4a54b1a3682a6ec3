"""Output models built from rows."""

from walks.domain import OPEN_MEASURE_STATUSES, MeasureStatus, PlanStatus, WalkStatus, today
from walks.fields import NamedPlace, geometry
from walks.links import plan_url, protocol_url, walk_url
from walks.measure_schemas import MeasureRead, OrganisationRead
from walks.models import ActionPlan, Measure, Observation, Participant, Walk
from walks.observation_schemas import ObservationFeature, ObservationProperties
from walks.plan_schemas import PlanRead, PlanSummary, PublicMeasure, PublicPlan
from walks.schemas import ContactRead, ParticipantRead, PublicWalk, WalkRead


def meeting_point(walk: Walk) -> NamedPlace:
    return NamedPlace(name=walk.meeting_place, location=geometry(walk.meeting_point))


def walk_read(walk: Walk, base: str) -> WalkRead:
    return WalkRead.model_validate(
        {
            **walk.model_dump(exclude={"area", "route", "meeting_point", "meeting_place"}),
            "area": geometry(walk.area),
            "route": geometry(walk.route),
            "meeting_point": meeting_point(walk),
            "public_url": walk_url(base, walk.id),
        }
    )


def public_walk(walk: Walk, base: str) -> PublicWalk:
    published = walk.status in (WalkStatus.PROTOCOL_PUBLISHED, WalkStatus.FOLLOWED_UP)
    return PublicWalk.model_validate(
        {
            **walk_read(walk, base).model_dump(),
            "walk_id": walk.id,
            "protocol_url": protocol_url(base, walk.id) if published else None,
        }
    )


def participant_read(participant: Participant) -> ParticipantRead:
    contact = (
        ContactRead(
            email=participant.email,
            phone=participant.phone,
            consent_recorded_at=participant.consent_recorded_at,
        )
        if participant.contact_consent and participant.consent_recorded_at
        else None
    )
    return ParticipantRead.model_validate(
        {**participant.model_dump(include=PARTICIPANT_FIELDS), "contact": contact}
    )


PARTICIPANT_FIELDS = {"id", "walk_id", "role", "name", "organisation", "created_at"}


def observation_feature(observation: Observation, labels: dict[str, str]) -> ObservationFeature:
    properties = ObservationProperties.model_validate(
        {
            **observation.model_dump(exclude={"location", "created_by"}),
            "category_label": labels.get(observation.category, observation.category),
        }
    )
    return ObservationFeature(
        id=str(observation.id), geometry=geometry(observation.location), properties=properties
    )


def organisation(measure: Measure) -> OrganisationRead:
    kind, _, rest = measure.responsible_key.partition(":")
    if kind == "org":
        return OrganisationRead(
            key=measure.responsible_key,
            name=measure.responsible_name,
            org_number=rest,
            department_code=None,
            municipality_code=None,
        )
    municipality, _, code = rest.partition(":")
    return OrganisationRead(
        key=measure.responsible_key,
        name=measure.responsible_name,
        org_number=None,
        department_code=code,
        municipality_code=municipality,
    )


def is_overdue(measure: Measure) -> bool:
    return (
        measure.due_date is not None
        and measure.due_date < today()
        and measure.status in OPEN_MEASURE_STATUSES
    )


def measure_read(measure: Measure) -> MeasureRead:
    return MeasureRead.model_validate(
        {
            **measure.model_dump(exclude={"responsible_key", "responsible_name"}),
            "responsible": organisation(measure),
            "overdue": is_overdue(measure),
        }
    )


def plan_summary(plan: ActionPlan, base: str) -> PlanSummary:
    return PlanSummary.model_validate(
        {**plan.model_dump(exclude={"affected_area"}), "public_url": _public_plan_url(plan, base)}
    )


def _public_plan_url(plan: ActionPlan, base: str) -> str | None:
    return plan_url(base, plan.id) if plan.status != PlanStatus.DRAFT else None


def plan_read(plan: ActionPlan, measures: list[Measure], base: str) -> PlanRead:
    progress = dict.fromkeys(MeasureStatus, 0)
    for measure in measures:
        progress[MeasureStatus(measure.status)] += 1
    return PlanRead.model_validate(
        {
            **plan_summary(plan, base).model_dump(),
            "affected_area": geometry(plan.affected_area),
            "revision_note": plan.revision_note,
            "measures": [measure_read(m) for m in measures],
            "progress": progress,
        }
    )


def public_plan(
    plan: ActionPlan, measures: list[Measure], base: str, protocol_published: bool
) -> PublicPlan:
    public_measures = [
        PublicMeasure.model_validate({**m.model_dump(), "responsible": m.responsible_name})
        for m in measures
    ]
    return PublicPlan.model_validate(
        {
            **plan.model_dump(exclude={"affected_area"}),
            "affected_area": geometry(plan.affected_area),
            "measures": public_measures,
            "protocol_url": (
                protocol_url(base, plan.walk_id) if plan.walk_id and protocol_published else None
            ),
            "public_url": plan_url(base, plan.id),
        }
    )
