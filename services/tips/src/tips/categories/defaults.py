"""The categories a municipality starts from: those Swedish EST work reports on (damage,
gatherings that make people feel unsafe, unsafe places, drugs among young people), and the
questions that send an emergency to 112 before anything is submitted."""

from tips.categories.schemas import CategoryWrite, Option, Question
from tips.domain import Divert, QuestionKind

HAPPENING_NOW = Question(
    code="happening_now",
    kind=QuestionKind.SINGLE,
    required=True,
    label_sv="Händer det just nu och är någon i fara?",
    label_en="Is it happening right now, with someone in danger?",
    options=[
        Option(key="yes", name_sv="Ja", name_en="Yes", divert=Divert.EMERGENCY),
        Option(key="no", name_sv="Nej", name_en="No"),
    ],
)

DEFAULT_CATEGORIES: dict[str, CategoryWrite] = {
    "unsafe_place": CategoryWrite(
        name_sv="Otrygg plats",
        name_en="Unsafe place",
        description_sv="En plats som känns otrygg: belysning, sikt, nedskräpning.",
        description_en="A place that feels unsafe: lighting, sight lines, litter.",
        position=1,
        questions=[
            Question(
                code="why",
                kind=QuestionKind.MULTIPLE,
                label_sv="Vad gör platsen otrygg?",
                label_en="What makes the place unsafe?",
                options=[
                    Option(key="lighting", name_sv="Belysning", name_en="Lighting"),
                    Option(key="vegetation", name_sv="Buskage och sikt", name_en="Sight lines"),
                    Option(key="litter", name_sv="Nedskräpning", name_en="Litter"),
                    Option(key="people", name_sv="Folk som samlas", name_en="People gathering"),
                ],
            ),
            Question(
                code="when_unsafe",
                kind=QuestionKind.SINGLE,
                label_sv="När känns den otrygg?",
                label_en="When does it feel unsafe?",
                options=[
                    Option(key="dark", name_sv="När det är mörkt", name_en="After dark"),
                    Option(key="always", name_sv="Hela tiden", name_en="All the time"),
                ],
            ),
        ],
    ),
    "lighting": CategoryWrite(
        parent_code="unsafe_place",
        name_sv="Trasig eller dålig belysning",
        name_en="Broken or poor lighting",
        position=2,
    ),
    "vandalism": CategoryWrite(
        name_sv="Skadegörelse",
        name_en="Vandalism",
        description_sv="Klotter, krossade rutor, förstörd utrustning.",
        description_en="Graffiti, broken windows, damaged equipment.",
        notice_sv="Klotter på privata fastigheter anmäls också till fastighetsägaren.",
        notice_en="Report graffiti on private property to the owner as well.",
        position=3,
        questions=[HAPPENING_NOW],
    ),
    "gathering": CategoryWrite(
        name_sv="Otrygghetsskapande samling av personer",
        name_en="Gatherings that make people feel unsafe",
        position=4,
        questions=[HAPPENING_NOW],
    ),
    "narcotics": CategoryWrite(
        name_sv="Narkotika bland unga",
        name_en="Drugs among young people",
        description_sv="Langning, användning eller platser där unga erbjuds narkotika.",
        description_en="Dealing, use, or places where young people are offered drugs.",
        restricted=True,
        position=5,
        questions=[HAPPENING_NOW],
    ),
    "violence": CategoryWrite(
        name_sv="Våld eller hot som pågår",
        name_en="Violence or threats happening now",
        divert=Divert.EMERGENCY,
        position=6,
    ),
    "other": CategoryWrite(
        name_sv="Annat som känns otryggt eller stör ordningen",
        name_en="Something else that feels unsafe or disturbs order",
        position=7,
    ),
}
