"""Example requests for the OpenAPI document: a walk in Forsheda (Värnamo) and its action plan."""

from typing import Any

AREA: dict[str, Any] = {
    "type": "Polygon",
    "coordinates": [
        [[13.818, 57.158], [13.836, 57.158], [13.836, 57.168], [13.818, 57.168], [13.818, 57.158]]
    ],
}
MEETING_POINT: dict[str, Any] = {
    "name": "Forsheda skola, huvudentrén",
    "location": {"type": "Point", "coordinates": [13.8241, 57.1619]},
}
WALK_DETAILS: dict[str, Any] = {
    "locality": "Forsheda",
    "title": "Trygghetsvandring i Forsheda centrum",
    "public_description": "Vi går från skolan till stationen och ser på belysning och gångvägar.",
    "area": AREA,
    "route": {
        "type": "LineString",
        "coordinates": [[13.8241, 57.1619], [13.8270, 57.1631], [13.8302, 57.1645]],
    },
    "stops": [
        MEETING_POINT,
        {"name": "Gångtunneln", "location": {"type": "Point", "coordinates": [13.8270, 57.1631]}},
        {"name": "Stationen", "location": {"type": "Point", "coordinates": [13.8302, 57.1645]}},
    ],
    "meeting_point": MEETING_POINT,
    "starts_at": "2027-10-14T18:30:00+02:00",
    "light_condition": "after_dark",
    "pre_meeting_date": "2027-09-30",
    "closing_meeting_date": "2027-10-28",
}
WALK: dict[str, Any] = {"municipality_code": "0683", **WALK_DETAILS}
FOLLOW_UP_WALK: dict[str, Any] = {
    **WALK_DETAILS,
    "title": "Uppföljande trygghetsvandring i Forsheda",
    "starts_at": "2028-04-14T18:30:00+02:00",
    "pre_meeting_date": None,
    "closing_meeting_date": None,
}
WALK_CHANGE: dict[str, Any] = {"starts_at": "2027-10-21T18:30:00+02:00"}
PARTICIPANT: dict[str, Any] = {
    "role": "resident",
    "name": "Anna Andersson",
    "contact": {"consent": True, "email": "anna@example.se"},
}
OBSERVATION: dict[str, Any] = {
    "location": {"type": "Point", "coordinates": [13.8270, 57.1631]},
    "category": "lighting",
    "sentiment": "negative",
    "severity": "high",
    "description": "Gångtunneln är helt mörk; två armaturer är trasiga.",
    "light": "dark",
    "perspectives": ["women", "elderly"],
    "photos": [{"url": "https://bilder.example.se/forsheda/tunnel.jpg"}],
}
OBSERVATION_BATCH: dict[str, Any] = {
    "observations": [
        {**OBSERVATION, "id": "6f1c2a8e-3c1e-4b55-9a7e-1d2f3c4b5a61"},
        {
            "id": "0b8e5f2d-7a6c-4e1b-8d9f-2a3b4c5d6e7f",
            "location": {"type": "Point", "coordinates": [13.8302, 57.1645]},
            "category": "people_activity",
            "sentiment": "positive",
            "description": "Stationen känns välkomnande med kaféet öppet på kvällen.",
        },
    ]
}
PROTOCOL: dict[str, Any] = {
    "summary": "Tolv deltagare gick rutten. Belysningen i gångtunneln är det största problemet.",
    "closing_meeting_notes": "Gatuavdelningen åtar sig att byta armaturerna före jul.",
}
RESPONSIBLE: dict[str, Any] = {"name": "Värnamo kommun, gatuavdelningen", "department_code": "GATA"}
MEASURE: dict[str, Any] = {
    "title": "Byt trasiga armaturer i gångtunneln",
    "description": "Två armaturer byts och belysningen förstärks vid tunnelns mynningar.",
    "responsible": RESPONSIBLE,
    "priority": "high",
    "due_date": "2027-12-20",
    "category": "lighting",
}
PLAN: dict[str, Any] = {
    "municipality_code": "0683",
    "locality": "Forsheda",
    "title": "Åtgärdsplan för tryggare kvällar i Forsheda",
    "public_summary": "Bättre belysning och röjd grönska längs vägen mellan skolan och stationen.",
    "affected_area": AREA,
    "buffer_m": 200,
    "measures": [MEASURE],
}
PLAN_FROM_WALK: dict[str, Any] = {
    key: value for key, value in PLAN.items() if key not in ("municipality_code", "affected_area")
}
MEASURE_STATUS: dict[str, Any] = {"status": "accepted"}
