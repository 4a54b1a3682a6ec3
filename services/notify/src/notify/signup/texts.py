"""The subscribe form's words, in Swedish and English."""

WORDS: dict[str, dict[str, str]] = {
    "title": {
        "sv": "Få veta vad som görs för tryggheten i {municipality}",
        "en": "Hear what is done for safety in {municipality}",
    },
    "intro": {
        "sv": "Välj var och om vad. Vi skickar först en länk som du bekräftar med; innan dess "
        "får du inget annat. Varje meddelande har en länk för att avsluta.",
        "en": "Choose where and about what. We first send a link for you to confirm with; "
        "until then you get nothing else. Every message has a link to unsubscribe.",
    },
    "problems": {"sv": "Något behöver rättas", "en": "Something needs correcting"},
    "error_prefix": {"sv": "Fel: ", "en": "Error: "},
    "where": {"sv": "Var?", "en": "Where?"},
    "locality": {"sv": "Ort", "en": "Locality"},
    "no_locality": {
        "sv": "Ingen ort: jag anger en punkt nedan",
        "en": "No locality: I give a point below",
    },
    "point_hint": {
        "sv": "Utan ort: ange en punkt, till exempel din bostad, som latitud och longitud "
        "(decimaltal), och hur långt runt den du vill veta.",
        "en": "Without a locality: give a point, your home for example, as latitude and "
        "longitude (decimal numbers), and how far around it you want to hear about.",
    },
    "latitude": {"sv": "Latitud", "en": "Latitude"},
    "longitude": {"sv": "Longitud", "en": "Longitude"},
    "radius_m": {
        "sv": "Avstånd runt punkten, i meter",
        "en": "Distance around the point, in metres",
    },
    "topics": {"sv": "Om vad?", "en": "About what?"},
    "how": {"sv": "Hur vill du få meddelanden?", "en": "How do you want the messages?"},
    "email_channel": {"sv": "E-post", "en": "Email"},
    "sms_channel": {"sv": "Sms", "en": "Text message (SMS)"},
    "email": {"sv": "E-postadress", "en": "Email address"},
    "phone": {"sv": "Mobilnummer", "en": "Mobile number"},
    "contact_hint": {
        "sv": "Fyll i adressen eller numret för det sätt du valde. Vi använder det bara för "
        "meddelandena du väljer här.",
        "en": "Fill in the address or number of the way you chose. We use it only for the "
        "messages you choose here.",
    },
    "language": {"sv": "Språk i meddelandena", "en": "Language of the messages"},
    "send": {"sv": "Prenumerera", "en": "Subscribe"},
}

# What is wrong with a field, said so that the resident knows what to do.
ERRORS: dict[str, dict[str, str]] = {
    "locality": {
        "sv": "Välj en ort i listan, eller ingen ort och en punkt.",
        "en": "Choose a locality from the list, or no locality and a point.",
    },
    "place": {
        "sv": "Välj en ort, eller ange en punkt med latitud och longitud.",
        "en": "Choose a locality, or give a point by its latitude and longitude.",
    },
    "latitude": {
        "sv": "Skriv latitud och longitud som decimaltal, till exempel 57,16 och 13,82.",
        "en": "Write the latitude and longitude as decimal numbers, for example 57.16 and 13.82.",
    },
    "radius_m": {
        "sv": "Skriv avståndet i hela meter, från 0 till 5000.",
        "en": "Write the distance in whole metres, from 0 to 5000.",
    },
    "topics": {"sv": "Välj minst ett ämne.", "en": "Choose at least one topic."},
    "channel": {"sv": "Välj e-post eller sms.", "en": "Choose email or text message."},
    "email": {
        "sv": "Skriv en giltig e-postadress, till exempel namn@exempel.se.",
        "en": "Write a valid email address, for example name@example.com.",
    },
    "phone": {
        "sv": "Skriv ett giltigt mobilnummer, till exempel 070-123 45 67.",
        "en": "Write a valid mobile number, for example 070-123 45 67.",
    },
    "language": {"sv": "Välj svenska eller engelska.", "en": "Choose Swedish or English."},
}


def word(key: str, lang: str, **values: str) -> str:
    return WORDS[key][lang].format(**values)
