"""Events the walks service publishes on trygg.walks.events."""
