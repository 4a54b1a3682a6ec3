"""From an event to a sent message: who is told, the queue, composing, sending, the record."""
