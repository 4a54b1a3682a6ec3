"""Fixtures every test tier shares: the test stack that `make test` brought up."""

import pytest

from shared.testing import TestStack


@pytest.fixture(scope="session")
def stack() -> TestStack:
    return TestStack.from_env()
