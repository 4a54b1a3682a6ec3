"""The small HTML pages residents land on from a link: in Swedish, or in English."""

from dataclasses import dataclass
from pathlib import Path

import jinja2
from fastapi.responses import HTMLResponse

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates" / "pages"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)

TEXTS: dict[str, dict[str, dict[str, str]]] = {
    "confirmed": {
        "sv": {
            "title": "Tack! Din prenumeration är bekräftad",
            "body": "Nu får du veta det du valde om trygghetsarbetet där du bor: "
            "trygghetsvandringar, åtgärdsplaner, klara åtgärder, trygghetsrundor eller "
            "medborgarlöftet. Varje meddelande har en länk för att avsluta.",
        },
        "en": {
            "title": "Thank you! Your subscription is confirmed",
            "body": "You will hear what you chose of the safety work where you live: safety "
            "walks, action plans, measures done, safety patrols or the citizens' promise. "
            "Every message has a link to unsubscribe.",
        },
    },
    "already": {
        "sv": {"title": "Redan klart", "body": "Den här länken har redan använts."},
        "en": {"title": "Already done", "body": "This link has already been used."},
    },
    "expired": {
        "sv": {
            "title": "Länken har gått ut",
            "body": "Bekräftelselänken gäller i sju dagar. Anmäl dig igen för att få en ny.",
        },
        "en": {
            "title": "The link has expired",
            "body": "A confirmation link is valid for seven days. Subscribe again for a new one.",
        },
    },
    "unknown": {
        "sv": {
            "title": "Länken fungerar inte",
            "body": "Länken kan vara ofullständig, eller så är uppgifterna redan raderade.",
        },
        "en": {
            "title": "The link does not work",
            "body": "The link may be incomplete, or the details have already been erased.",
        },
    },
    "confirm": {
        "sv": {
            "title": "Bekräfta prenumerationen",
            "body": "Tryck på knappen för att börja få meddelanden från Trygg om området.",
        },
        "en": {
            "title": "Confirm the subscription",
            "body": "Press the button to start getting messages from Trygg about the area.",
        },
    },
    "erase": {
        "sv": {
            "title": "Radera dina uppgifter",
            "body": "Vill du att Trygg glömmer din e-postadress och ditt telefonnummer?",
        },
        "en": {
            "title": "Erase your details",
            "body": "Do you want Trygg to forget your email address and phone number?",
        },
    },
    "manage": {
        "sv": {
            "title": "Avsluta prenumerationen",
            "body": "Vill du inte längre få meddelanden från Trygg om området?",
        },
        "en": {
            "title": "Unsubscribe",
            "body": "Do you no longer want messages from Trygg about the area?",
        },
    },
    "unsubscribed": {
        "sv": {
            "title": "Du har avslutat prenumerationen",
            "body": "Du får inga fler meddelanden om det här området.",
        },
        "en": {
            "title": "You have unsubscribed",
            "body": "You will get no more messages about this area.",
        },
    },
    "unsubscribed_everything": {
        "sv": {
            "title": "Du har avslutat alla prenumerationer",
            "body": "Du får inga fler meddelanden från Trygg.",
        },
        "en": {
            "title": "You have unsubscribed from everything",
            "body": "You will get no more messages from Trygg.",
        },
    },
    "erased": {
        "sv": {
            "title": "Dina uppgifter är raderade",
            "body": "Alla dina prenumerationer, din e-postadress och ditt telefonnummer är "
            "borttagna. Kvar finns bara statistik över utskick, utan personuppgifter.",
        },
        "en": {
            "title": "Your details are erased",
            "body": "All your subscriptions, your email address and your phone number are "
            "gone. Only statistics of what was sent remain, without personal data.",
        },
    },
    "check_email": {
        "sv": {
            "title": "Titta i din e-post",
            "body": "Vi har skickat en länk till din e-postadress. Följ den för att bekräfta "
            "prenumerationen; innan dess skickar vi inget annat. Länken gäller i sju dagar.",
        },
        "en": {
            "title": "Check your email",
            "body": "We have sent a link to your email address. Follow it to confirm the "
            "subscription; until then we send nothing else. The link is valid for seven days.",
        },
    },
    "check_phone": {
        "sv": {
            "title": "Titta i din telefon",
            "body": "Vi har skickat ett sms med en länk till ditt nummer. Följ den för att "
            "bekräfta prenumerationen; innan dess skickar vi inget annat. Länken gäller i sju "
            "dagar.",
        },
        "en": {
            "title": "Check your phone",
            "body": "We have sent a text message with a link to your number. Follow it to "
            "confirm the subscription; until then we send nothing else. The link is valid for "
            "seven days.",
        },
    },
    "no_municipality": {
        "sv": {
            "title": "Sidan finns inte",
            "body": "Det finns ingen prenumeration på Trygg för den här kommunen. Kontrollera "
            "länken.",
        },
        "en": {
            "title": "There is no such page",
            "body": "There is no Trygg subscription for this municipality. Check the link.",
        },
    },
    "opted_out": {
        "sv": {
            "title": "Utskicken är avslutade",
            "body": "Den här kontakten får inga fler meddelanden från Trygg. Kommunen kan ändra "
            "det på begäran.",
        },
        "en": {
            "title": "Messages stopped",
            "body": "This contact will get no more messages from Trygg. The municipality can "
            "change that on request.",
        },
    },
}
ACTIONS = {
    "confirm": {
        "sv": ("Ja, jag vill ha meddelanden om området.", "Bekräfta"),
        "en": ("Yes, I want messages about the area.", "Confirm"),
    },
    "unsubscribe": {
        "sv": ("Avsluta alla meddelanden för den här prenumerationen.", "Avsluta"),
        "en": ("Stop every message of this subscription.", "Unsubscribe"),
    },
    "everything": {
        "sv": ("Avsluta alla meddelanden från Trygg till dig.", "Avsluta allt"),
        "en": ("Stop every message from Trygg to you.", "Stop everything"),
    },
    "erase": {
        "sv": (
            "Radera alla dina prenumerationer och din e-postadress och ditt telefonnummer.",
            "Radera mina uppgifter",
        ),
        "en": (
            "Erase all your subscriptions, your email address and your phone number.",
            "Erase my details",
        ),
    },
}
OTHER = {"sv": "In English", "en": "På svenska"}
# Headings of the lists of places a page may show.
PLACES = {
    "this": {"sv": "Prenumerationen gäller", "en": "This subscription is about"},
    "remaining": {
        "sv": "Du får fortfarande meddelanden om",
        "en": "You still get messages about",
    },
}
PRIMARY = ("confirm", "unsubscribe")

# The pages' one inline style; their Content-Security-Policy allows exactly this text. The
# subscribe form's fields take the page's width, so nothing scrolls sideways on a phone.
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;"
    "line-height:1.5;color:#1b1b1b}h1{font-size:1.5rem}h2{font-size:1.1rem}form{margin:1.5rem 0}"
    "button{font-size:1rem;padding:.6rem 1.2rem;border-radius:.3rem;border:1px solid #444;"
    "background:#fff;cursor:pointer}"
    "button.primary{background:#0b5394;color:#fff;border-color:#0b5394}"
    ".other{margin-top:2rem;font-size:.9rem}"
    "fieldset{border:0;padding:0;margin:1.5rem 0;min-width:0}legend{font-weight:600;padding:0}"
    ".field>label{display:block;margin-top:.8rem}"
    ".field>input,.field>select{display:block;width:100%;box-sizing:border-box;font-size:1rem;"
    "padding:.5rem;border:1px solid #444;border-radius:.3rem}"
    ".choice{display:flex;gap:.5rem;align-items:center;margin:.4rem 0}"
    ".choice input{width:1.2rem;height:1.2rem;margin:0}"
    ".hint{color:#555;font-size:.9rem;margin:.2rem 0}.error{color:#b00020;font-weight:600}"
    ".problems{border:2px solid #b00020;padding:.5rem 1rem;margin:1rem 0}"
)


@dataclass(frozen=True)
class Action:
    kind: str
    url: str


@dataclass(frozen=True)
class Places:
    """Places to list on a page, under one of the PLACES headings."""

    heading: str
    names: tuple[str, ...]


def render(
    template: str, lang: str, title: str, other_language_url: str | None, **values: object
) -> str:
    """A template of the pages, in their one style, with a link to the other language."""
    return _ENV.get_template(template).render(
        lang=lang,
        style=STYLE,
        title=title,
        other_language_url=other_language_url,
        other_lang="en" if lang == "sv" else "sv",
        other_text=OTHER[lang],
        **values,
    )


NOT_FOUND = {"unknown", "no_municipality"}


def page(
    name: str,
    lang: str,
    *,
    actions: tuple[Action, ...] = (),
    url: str = "",
    places: Places | None = None,
) -> HTMLResponse:
    """A page; `url` is this page's own address, to offer it in the other language."""
    lang = lang if lang in ("sv", "en") else "sv"
    other = "en" if lang == "sv" else "sv"
    rendered = render(
        "page.html.j2",
        lang,
        TEXTS[name][lang]["title"],
        f"{url}?lang={other}" if url else None,
        t=TEXTS[name][lang],
        actions=[
            {
                "url": a.url,
                "text": ACTIONS[a.kind][lang][0],
                "button": ACTIONS[a.kind][lang][1],
                "style": "primary" if a.kind in PRIMARY else "",
            }
            for a in actions
        ],
        places=(
            {"heading": PLACES[places.heading][lang], "names": places.names}
            if places and places.names
            else None
        ),
    )
    return HTMLResponse(rendered, status_code=404 if name in NOT_FOUND else 200)


POINT = {"sv": "Inom {r} m från en punkt du valde", "en": "Within {r} m of a point you chose"}
AREA = {"sv": "Ett område du ritade på kartan", "en": "An area you drew on the map"}


def place_name(
    kind: str, locality: str | None, radius_m: int, municipality: str | None, lang: str
) -> str:
    """How a subscription's place reads on a page: a locality by name, the others by kind."""
    lang = lang if lang in ("sv", "en") else "sv"
    where = f" ({municipality})" if municipality else ""
    if kind == "locality" and locality:
        return f"{locality}{where}"
    if kind == "point":
        return POINT[lang].format(r=radius_m) + where
    return AREA[lang] + where
