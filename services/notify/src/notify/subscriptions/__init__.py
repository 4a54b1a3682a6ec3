"""Residents' subscriptions: subscribe (double opt-in), confirm, unsubscribe, erase."""
