"""Helpers for the cross-service tests."""

import importlib

from fastapi import FastAPI

from shared.settings import DatabaseSettings, ServiceSettings
from shared.testing import TestStack

SERVICES = ["walks", "tips", "patrols", "notify"]


def build_app(service: str, stack: TestStack, db_url: str) -> FastAPI:
    """The service's real app, configured for the test stack."""
    config = importlib.import_module(f"{service}.config")
    app_module = importlib.import_module(f"{service}.app")
    settings: ServiceSettings = config.Settings(
        db=DatabaseSettings(url=db_url), kafka=stack.kafka_settings()
    )
    app: FastAPI = app_module.create_app(settings)
    return app
