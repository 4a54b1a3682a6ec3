"""Request and response models of tip categories and their questions."""

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from tips.domain import QUESTION_CODE, Divert, QuestionKind
from tips.fields import CategoryCode, Input, MediumText, ShortText


class Option(Input):
    """One choice of a single or multiple choice question."""

    key: str = Field(pattern=QUESTION_CODE, examples=["now"])
    name_sv: ShortText
    name_en: ShortText | None = None
    divert: Divert | None = Field(
        default=None,
        description="Choosing this blocks submission: `emergency` sends the resident to 112, "
        "`police` to 114 14.",
    )


class Question(Input):
    code: str = Field(pattern=QUESTION_CODE, examples=["happening_now"])
    kind: QuestionKind
    required: StrictBool = False
    label_sv: ShortText
    label_en: ShortText | None = None
    options: list[Option] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _options_fit_the_kind(self) -> Self:
        if self.kind is QuestionKind.TEXT and self.options:
            raise ValueError("a free-text question has no options")
        if self.kind is not QuestionKind.TEXT and len(self.options) < 2:
            raise ValueError("a choice question needs at least two options")
        if len({o.key for o in self.options}) != len(self.options):
            raise ValueError("option keys must be unique within the question")
        return self


CATEGORY_EXAMPLE: dict[str, Any] = {
    "name_sv": "Narkotika",
    "name_en": "Drugs",
    "description_sv": "Langning eller narkotikaanvändning, särskilt bland unga.",
    "restricted": True,
    "questions": [
        {
            "code": "happening_now",
            "kind": "single",
            "required": True,
            "label_sv": "Pågår det just nu?",
            "label_en": "Is it happening right now?",
            "options": [
                {"key": "yes", "name_sv": "Ja", "name_en": "Yes", "divert": "emergency"},
                {"key": "no", "name_sv": "Nej", "name_en": "No"},
            ],
        }
    ],
}


class CategoryWrite(Input):
    """A category as an administrator sets it: the whole of it, replacing what was there."""

    model_config = ConfigDict(json_schema_extra={"examples": [CATEGORY_EXAMPLE]})

    parent_code: CategoryCode | None = None
    name_sv: ShortText
    name_en: ShortText | None = None
    description_sv: MediumText | None = None
    description_en: MediumText | None = None
    notice_sv: MediumText | None = None
    notice_en: MediumText | None = None
    divert: Divert | None = Field(
        default=None, description="Every tip of this category is urgent: never submitted."
    )
    restricted: StrictBool = Field(
        default=False,
        description="Offence-related: its tips are readable only with the `tips:police` scope.",
    )
    position: StrictInt = Field(default=0, ge=0, le=1000)
    active: StrictBool = True
    questions: list[Question] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _question_codes_unique(self) -> Self:
        if len({q.code for q in self.questions}) != len(self.questions):
            raise ValueError("question codes must be unique within the category")
        return self


class CategoryRead(BaseModel):
    municipality_code: str
    code: str
    parent_code: str | None
    name_sv: str
    name_en: str | None
    description_sv: str | None
    description_en: str | None
    notice_sv: str | None
    notice_en: str | None
    divert: Divert | None
    restricted: bool
    position: int
    active: bool
    questions: list[Question]
