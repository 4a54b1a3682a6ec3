"""A subscription from the form: the same use case as `POST /subscriptions`, double opt-in."""

from sqlmodel.ext.asyncio.session import AsyncSession

from notify.config import Settings
from notify.errors import InvalidField
from notify.signup.form import SignupForm, refused, subscription
from notify.subscriptions import service as subscriptions


async def subscribe_from_form(
    session: AsyncSession, municipality: str, form: SignupForm, settings: Settings
) -> None:
    """Start the subscription the form asks for, to the page's municipality only, and send its
    confirmation. Raises `FormRefused` naming the fields that are wrong, having changed nothing.
    """
    body = subscription(form, municipality)
    try:
        # A savepoint, because the page answers a refusal itself: the request's transaction
        # still commits, and whatever the use case had written before refusing must not.
        async with session.begin_nested():
            await subscriptions.subscribe(session, body, settings.dispatcher, settings.public)
    except InvalidField as invalid:
        [error] = invalid.extensions["errors"]
        raise refused(form, error["pointer"]) from None
