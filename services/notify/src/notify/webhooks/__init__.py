"""Integrators' webhooks: signed POSTs of the events they subscribe to."""
