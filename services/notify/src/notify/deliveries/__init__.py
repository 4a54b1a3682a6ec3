"""The delivery log (notifications, their attempts, resends) and transactional sends."""
