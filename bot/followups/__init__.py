"""Follow-up actions and their reminders: services, delivery, scheduling, digest, suggestions."""
