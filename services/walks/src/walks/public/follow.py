"""What every public page ends with: the municipality by name, whom to ask, and where to
subscribe to news about the area (notify's subscribe page)."""

import re
from dataclasses import dataclass
from html import escape
from urllib.parse import quote, urlencode

from shared import municipalities
from walks.config import PublicContact, Settings
from walks.public.layout import link, marked_facts, paragraph, section


@dataclass(frozen=True)
class Follow:
    """The municipality's name, its contact if the deployment has one, the subscribe link."""

    municipality: str
    contact: PublicContact | None
    subscribe_url: str


def municipality(code: str) -> str:
    """The municipality's name; its code where the name is not known."""
    return municipalities.name(code) or f"kommunkod {code}"


def subscribe_url(notify_base: str, municipality_code: str, locality: str) -> str:
    query = urlencode({"locality": locality}, quote_via=quote)
    return f"{notify_base.rstrip('/')}/subscribe/{quote(municipality_code, safe='')}?{query}"


def follow(settings: Settings, municipality_code: str, locality: str) -> Follow:
    return Follow(
        municipality=municipality(municipality_code),
        contact=settings.public.contacts.get(municipality_code),
        subscribe_url=subscribe_url(settings.notify_public_base_url, municipality_code, locality),
    )


def _contact(contact: PublicContact) -> str:
    ways = [escape(contact.name)]
    if contact.email:
        ways.append(f'<a href="mailto:{escape(contact.email)}">{escape(contact.email)}</a>')
    if contact.phone:
        dialled = re.sub(r"[^0-9+]", "", contact.phone)
        ways.append(f'<a href="tel:{escape(dialled)}">{escape(contact.phone)}</a>')
    return ", ".join(ways)


def follow_section(about: Follow, locality: str) -> str:
    asked = (
        marked_facts([("Kontakt", _contact(about.contact))])
        if about.contact
        else paragraph(f"Frågor besvaras av kommunen ({about.municipality}).")
    )
    subscribe = link(
        about.subscribe_url, f"Prenumerera på nyheter om tryggheten i {locality}", "button"
    )
    return section("Håll dig uppdaterad", asked + subscribe, "follow")
