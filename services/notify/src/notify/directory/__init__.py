"""The stakeholder directory: organisations, their areas of responsibility, their contacts."""
