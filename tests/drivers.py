"""Drivers the tests run as programs of their own (the soak, the benchmarks), each of which
brings up services and must take them down however it ends."""

import signal
import subprocess

import pytest


def run_driver(command: list[str], timeout_s: float, what: str) -> str:
    """The driver's output; a driver that overruns is sent SIGTERM, on which it takes its
    services down before it ends, and fails the test."""
    driver = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = driver.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        driver.send_signal(signal.SIGTERM)
        output, _ = driver.communicate(timeout=120)
        pytest.fail(f"{what} overran {timeout_s} s:\n{output}")
    assert driver.returncode == 0, output
    return output
