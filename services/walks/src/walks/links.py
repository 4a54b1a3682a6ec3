"""The public addresses of walks, protocols and action plans, under the public base URL."""

import uuid


def walk_url(base: str, walk_id: uuid.UUID) -> str:
    return f"{base}/public/walks/{walk_id}.html"


def protocol_url(base: str, walk_id: uuid.UUID, html: bool = True) -> str:
    return f"{base}/public/walks/{walk_id}/protocol{'.html' if html else ''}"


def plan_url(base: str, plan_id: uuid.UUID) -> str:
    return f"{base}/public/action-plans/{plan_id}.html"
