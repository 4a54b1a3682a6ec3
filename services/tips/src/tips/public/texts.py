"""The words of the tip form's pages, in Swedish and English."""

from shared import municipalities

WORDS: dict[str, dict[str, str]] = {
    "urgent": {"sv": "Vid akuta händelser \N{EN DASH} ring", "en": "In an emergency, call"},
    "other_language": {"sv": "In English", "en": "På svenska"},
    "title": {"sv": "Lämna ett tips", "en": "Send a tip"},
    "intro": {
        "sv": "Tipset går till trygghetsarbetet i {place}, som kommunen och polisen gör "
        "tillsammans. Du behöver inte uppge vem du är.",
        "en": "Your tip goes to the safety work in {place}, which the municipality and the "
        "police do together. You do not have to say who you are.",
    },
    "required": {"sv": "(obligatoriskt)", "en": "(required)"},
    "optional": {"sv": "(frivilligt)", "en": "(optional)"},
    "choose_category": {"sv": "Vad gäller tipset?", "en": "What is your tip about?"},
    "next": {"sv": "Nästa", "en": "Next"},
    "chosen": {"sv": "Tipset gäller:", "en": "Your tip is about:"},
    "change": {"sv": "Byt", "en": "Change"},
    "description": {
        "sv": "Beskriv vad du har sett eller varit med om",
        "en": "Describe what you have seen or experienced",
    },
    "description_hint": {
        "sv": "Vad, var och hur ofta? Högst {n} tecken.",
        "en": "What, where and how often? At most {n} characters.",
    },
    "place": {"sv": "Var?", "en": "Where?"},
    "place_hint": {
        "sv": "Välj en ort, skriv en adress eller ange koordinater: minst ett av dem.",
        "en": "Choose a locality, write an address or give coordinates: at least one of them.",
    },
    "locality": {"sv": "Ort", "en": "Locality"},
    "no_locality": {"sv": "Välj ort", "en": "Choose a locality"},
    "address": {"sv": "Adress eller plats", "en": "Address or place"},
    "address_hint": {
        "sv": "Till exempel Storgatan 12 eller gångtunneln vid stationen.",
        "en": "For example Storgatan 12, or the underpass by the station.",
    },
    "latitude": {"sv": "Latitud", "en": "Latitude"},
    "longitude": {"sv": "Longitud", "en": "Longitude"},
    "coordinates_hint": {
        "sv": "I decimalgrader, till exempel 57,1661 och 13,8262.",
        "en": "In decimal degrees, for example 57.1661 and 13.8262.",
    },
    "when": {"sv": "När hände det?", "en": "When did it happen?"},
    "date": {"sv": "Datum", "en": "Date"},
    "time": {"sv": "Klockslag, ungefär", "en": "Time, roughly"},
    "photos": {"sv": "Bilder", "en": "Photos"},
    "photos_hint": {
        "sv": "Högst {n} bilder i JPEG, PNG eller WebP, högst {mb} MB var. Platsuppgifter och "
        "kamerainformation tas bort från bilderna.",
        "en": "At most {n} photos in JPEG, PNG or WebP, at most {mb} MB each. Location and camera "
        "details are removed from the photos.",
    },
    "photos_again": {
        "sv": "Om du valde bilder behöver du välja dem igen.",
        "en": "If you chose photos, please choose them again.",
    },
    "contact": {"sv": "Vill du få svar?", "en": "Do you want to hear back?"},
    "contact_hint": {
        "sv": "Du kan vara anonym. Lämna e-post eller telefon bara om du vill att vi svarar dig.",
        "en": "You can stay anonymous. Leave an email address or a phone number only if you "
        "want an answer.",
    },
    "email": {"sv": "E-postadress", "en": "Email address"},
    "phone": {"sv": "Telefonnummer", "en": "Phone number"},
    "consent_hint": {
        "sv": "Kryssa i rutan om du lämnar e-post eller telefon.",
        "en": "Tick the box if you leave an email address or a phone number.",
    },
    "send": {"sv": "Skicka tipset", "en": "Send the tip"},
    "errors": {"sv": "Rätta det här först:", "en": "Please correct this first:"},
    "error_prefix": {"sv": "Fel: ", "en": "Error: "},
    "not_sent": {"sv": "Tipset har inte skickats.", "en": "The tip was not sent."},
    "call": {"sv": "Ring {number}", "en": "Call {number}"},
    "back_to_form": {
        "sv": "Är det inte akut? Tillbaka till formuläret",
        "en": "Not urgent? Back to the form",
    },
    "thanks": {"sv": "Tack för ditt tips", "en": "Thank you for your tip"},
    "reference": {"sv": "Referensnummer:", "en": "Reference number:"},
    "another": {"sv": "Lämna ett till tips", "en": "Send another tip"},
    "missing": {"sv": "Det finns inget tipsformulär här", "en": "There is no tip form here"},
    "missing_body": {
        "sv": "Kommun {code} tar inte emot tips här.",
        "en": "Municipality {code} does not take tips here.",
    },
    "start_again": {"sv": "Till formuläret", "en": "To the form"},
}

DIVERT_WORDS: dict[str, dict[str, str]] = {
    "emergency": {
        "sv": "Om någon är i fara eller om det händer just nu: ring 112. Det här formuläret "
        "läses inte dygnet runt.",
        "en": "If someone is in danger or it is happening right now, call 112. This form is "
        "not read around the clock.",
    },
    "police": {
        "sv": "Det här är en sak för polisen. Ring 114 14 eller anmäl på polisen.se.",
        "en": "This is a matter for the police. Call 114 14 or report it at polisen.se.",
    },
}

# What a field's error says: the keys are the `FormError` kinds.
ERRORS: dict[str, dict[str, str]] = {
    "category": {"sv": "Välj vad tipset gäller.", "en": "Choose what your tip is about."},
    "category_gone": {
        "sv": "Kategorin finns inte längre. Välj en annan.",
        "en": "The category is no longer in use. Choose another one.",
    },
    "description": {
        "sv": "Beskriv vad du vill tipsa om, med högst {n} tecken.",
        "en": "Describe what your tip is about, in at most {n} characters.",
    },
    "place": {
        "sv": "Välj en ort, skriv en adress eller ange koordinater.",
        "en": "Choose a locality, write an address or give coordinates.",
    },
    "locality": {"sv": "Välj en ort i listan.", "en": "Choose a locality from the list."},
    "address": {
        "sv": "Skriv adressen med högst 200 tecken.",
        "en": "Write the address in at most 200 characters.",
    },
    "coordinates": {
        "sv": "Ange både latitud och longitud i decimalgrader, till exempel 57,1661 och 13,8262.",
        "en": "Give both latitude and longitude in decimal degrees, for example 57.1661 and "
        "13.8262.",
    },
    "when": {
        "sv": "Ange både datum och ungefärligt klockslag, eller lämna båda tomma.",
        "en": "Give both a date and a rough time, or leave both empty.",
    },
    "future": {
        "sv": "Tidpunkten kan inte vara i framtiden.",
        "en": "The time cannot be in the future.",
    },
    "answer_missing": {
        "sv": "Svara på frågan: {question}",
        "en": "Answer the question: {question}",
    },
    "answer_invalid": {
        "sv": "Välj bland svaren på frågan: {question}",
        "en": "Choose among the answers to the question: {question}",
    },
    "email": {
        "sv": "Skriv e-postadressen som namn@exempel.se.",
        "en": "Write the email address like name@example.com.",
    },
    "phone": {
        "sv": "Skriv telefonnumret med siffror, till exempel 070-123 45 67.",
        "en": "Write the phone number in digits, for example +46 70 123 45 67.",
    },
    "consent": {
        "sv": "Kryssa i rutan för att vi ska få spara din kontaktuppgift, eller ta bort den.",
        "en": "Tick the box so that we may keep your contact details, or remove them.",
    },
    "photos_many": {"sv": "Skicka högst {n} bilder.", "en": "Send at most {n} photos."},
    "photo_large": {
        "sv": "Bilden {name} är större än {mb} MB.",
        "en": "The photo {name} is larger than {mb} MB.",
    },
    "photo_unreadable": {
        "sv": "Bilden {name} går inte att läsa. Skicka bilder i JPEG, PNG eller WebP.",
        "en": "The photo {name} cannot be read. Send photos in JPEG, PNG or WebP.",
    },
    "id_taken": {
        "sv": "Det här formuläret har redan skickats med andra uppgifter. Kontrollera dem och "
        "skicka igen om du vill lämna ett nytt tips.",
        "en": "This form was already sent with other details. Check them, and send again if "
        "you want to send a new tip.",
    },
    "field": {"sv": "Kontrollera det här fältet.", "en": "Please check this field."},
}

# Pages of a request that could not be answered with the form.
PROBLEMS: dict[int, dict[str, tuple[str, str]]] = {
    404: {
        "sv": ("Sidan finns inte", "Adressen kan vara felstavad."),
        "en": ("The page does not exist", "The address may be misspelt."),
    },
    429: {
        "sv": ("Försök igen om en stund", "Det har kommit för många förfrågningar härifrån."),
        "en": ("Please try again shortly", "Too many requests have come from here."),
    },
}
OTHER_PROBLEM = {
    "sv": ("Något gick fel", "Sidan kunde inte visas. Börja gärna om från formuläret."),
    "en": (
        "Something went wrong",
        "The page could not be shown. Please start again from the form.",
    ),
}
WAIT = {
    "seconds": {"sv": "Försök igen om {n} sekunder.", "en": "Try again in {n} seconds."},
    "minutes": {"sv": "Försök igen om {n} minuter.", "en": "Try again in {n} minutes."},
    "tomorrow": {"sv": "Försök igen i morgon.", "en": "Try again tomorrow."},
}


def words(key: str, lang: str, **params: object) -> str:
    return WORDS[key][lang].format(**params)


def place_name(municipality: str, lang: str) -> str:
    """The municipality as the pages name it: by its name where it is known."""
    name = municipalities.name(municipality)
    if name is None:
        return f"kommun {municipality}" if lang == "sv" else f"municipality {municipality}"
    return f"{name} kommun" if lang == "sv" else f"{name} municipality"


def wait(seconds: int, lang: str) -> str:
    if seconds <= 90:
        return WAIT["seconds"][lang].format(n=seconds)
    if seconds <= 3600:
        return WAIT["minutes"][lang].format(n=(seconds + 59) // 60)
    return WAIT["tomorrow"][lang]
