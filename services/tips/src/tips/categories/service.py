"""Use cases of tip categories: set one, list the tree, check a tip's answers against it."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from tips.categories.defaults import DEFAULT_CATEGORIES
from tips.categories.models import Category
from tips.categories.schemas import CategoryWrite, Question
from tips.domain import Divert, QuestionKind, utcnow
from tips.errors import CategoryNotFound, InvalidField


async def put_category(
    session: AsyncSession, municipality: str, code: str, body: CategoryWrite
) -> tuple[Category, bool]:
    """Creates or replaces the category; returns it and whether it is new."""
    await _check_parent(session, municipality, code, body.parent_code)
    category = await session.get(Category, (municipality, code))
    created = category is None
    if category is None:
        category = Category(municipality_code=municipality, code=code, name_sv=body.name_sv)
    fields = body.model_dump(exclude={"questions"})
    for name, value in fields.items():
        setattr(category, name, value)
    category.questions = [q.model_dump(mode="json") for q in body.questions]
    category.updated_at = utcnow()
    session.add(category)
    await session.flush()
    return category, created


async def _check_parent(
    session: AsyncSession, municipality: str, code: str, parent_code: str | None
) -> None:
    if parent_code is None:
        return
    if parent_code == code:
        raise InvalidField("/parent_code", "a category cannot be its own parent")
    parent = await session.get(Category, (municipality, parent_code))
    if parent is None:
        raise InvalidField("/parent_code", f"the municipality has no category {parent_code!r}")
    if parent.parent_code is not None:
        raise InvalidField("/parent_code", "categories are at most two levels deep")
    children = await session.exec(
        select(Category.code).where(
            Category.municipality_code == municipality, Category.parent_code == code
        )
    )
    if children.first() is not None:
        raise InvalidField("/parent_code", "a category with subcategories cannot have a parent")


async def list_categories(
    session: AsyncSession, municipality: str, include_inactive: bool = False
) -> list[Category]:
    """Parents first, each followed by its subcategories, in the administrators' order."""
    query = select(Category).where(Category.municipality_code == municipality)
    if not include_inactive:
        query = query.where(col(Category.active).is_(True))
    rows = list(await session.exec(query.order_by(col(Category.position), col(Category.code))))
    return _as_tree(rows)


def _as_tree(rows: list[Category]) -> list[Category]:
    codes = {c.code for c in rows}
    tops = [c for c in rows if c.parent_code is None or c.parent_code not in codes]
    ordered: list[Category] = []
    for top in tops:
        ordered.append(top)
        ordered.extend(c for c in rows if c.parent_code == top.code)
    return ordered


async def get_active(session: AsyncSession, municipality: str, code: str) -> Category:
    """The category a tip is filed under: it must exist and be in use."""
    category = await session.get(Category, (municipality, code))
    if category is None or not category.active:
        raise CategoryNotFound(f"Municipality {municipality} has no category {code!r}.")
    return category


@dataclass(frozen=True)
class CheckedAnswers:
    answers: dict[str, Any]
    divert: Divert | None


def check_answers(category: Category, answers: dict[str, Any], pointer: str) -> CheckedAnswers:
    """Answers as stored, and the divert they call for; unknown or missing ones are refused."""
    questions = {q["code"]: Question.model_validate(q) for q in category.questions}
    for code in answers:
        if code not in questions:
            raise InvalidField(f"{pointer}/{code}", f"the category asks no question {code!r}")
    divert = Divert(category.divert) if category.divert else None
    kept: dict[str, Any] = {}
    for code, question in questions.items():
        value = _answer(question, answers.get(code), f"{pointer}/{code}")
        if value is not None:
            kept[code] = value
            divert = divert or _divert_of(question, value)
    return CheckedAnswers(kept, divert)


def _answer(question: Question, value: Any, pointer: str) -> Any:
    if value in (None, "", []):
        if question.required:
            raise InvalidField(pointer, "this question must be answered")
        return None
    keys = {o.key for o in question.options}
    if question.kind is QuestionKind.TEXT:
        if not isinstance(value, str) or len(value) > 1000 or "\x00" in value:
            raise InvalidField(pointer, "the answer must be a text of at most 1000 characters")
        return value.strip()
    if question.kind is QuestionKind.SINGLE:
        if not isinstance(value, str) or value not in keys:
            raise InvalidField(pointer, f"the answer must be one of {sorted(keys)}")
        return value
    if not isinstance(value, list) or not all(isinstance(v, str) and v in keys for v in value):
        raise InvalidField(pointer, f"the answer must be a list of {sorted(keys)}")
    return sorted(set(value))


def _divert_of(question: Question, value: Any) -> Divert | None:
    chosen = {value} if isinstance(value, str) else set(value)
    diverts = {o.divert for o in question.options if o.key in chosen and o.divert}
    if Divert.EMERGENCY in diverts:
        return Divert.EMERGENCY
    return Divert.POLICE if diverts else None


async def install_defaults(session: AsyncSession, municipality: str) -> list[Category]:
    """Gives a municipality the default categories it does not have yet."""
    for code, body in DEFAULT_CATEGORIES.items():
        if await session.get(Category, (municipality, code)) is None:
            await put_category(session, municipality, code, body)
    return await list_categories(session, municipality)
