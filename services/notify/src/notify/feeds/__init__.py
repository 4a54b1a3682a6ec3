"""The public feeds: published plans as CAP alerts, contacts' opt-out, SMS delivery reports."""
