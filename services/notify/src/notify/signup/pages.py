"""The subscribe form as a page: plain HTML that works without a script, on a phone too."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse

from notify import pages
from notify.domain import TOPIC_LABELS, Topic
from notify.signup.form import SignupForm
from notify.signup.texts import ERRORS, WORDS, word
from shared import localities, municipalities

# The element each field's error links to from the summary at the top.
ANCHORS = {"place": "locality", "topics": f"topic-{next(iter(Topic)).value}"}


@dataclass(frozen=True)
class FormView:
    municipality: str
    lang: str
    form: SignupForm
    errors: tuple[str, ...] = field(default_factory=tuple)


def _problems(view: FormView) -> list[dict[str, str]]:
    return [
        {"anchor": ANCHORS.get(name, name), "text": ERRORS[name][view.lang]} for name in view.errors
    ]


def render(view: FormView, status: int = 200) -> HTMLResponse:
    """The form with what was typed, and what is wrong with it, in the page's language."""
    lang, code = view.lang, view.municipality
    title = word("title", lang, municipality=municipalities.name_or_code(code))
    other = f"{code}?" + urlencode({"lang": "en" if lang == "sv" else "sv"})
    if view.form.locality:
        other += "&" + urlencode({"locality": view.form.locality})
    html = pages.render(
        "subscribe.html.j2",
        lang,
        # The browser's tab says there is something to correct before the resident reads on.
        (word("problems", lang) + ": " if view.errors else "") + title,
        other,
        heading=title,
        w={key: texts[lang] for key, texts in WORDS.items()},
        action=f"{code}?lang={lang}",
        form=view.form,
        errors={name: ERRORS[name][lang] for name in view.errors},
        problems=_problems(view),
        localities=[x.name for x in localities.of_municipality(code)],
        topics=[(t.value, TOPIC_LABELS[t][lang]) for t in Topic],
    )
    return HTMLResponse(html, status_code=status)


def check_page(lang: str, by_phone: bool) -> HTMLResponse:
    """Sent: the resident looks for the confirmation link."""
    return pages.page("check_phone" if by_phone else "check_email", lang)


def no_municipality_page(lang: str) -> HTMLResponse:
    return pages.page("no_municipality", lang)
