"""Follow-ups' domain: reminder rules, exactly-once delivery through a `Poster`, the scheduler, what the
messages say (for any surface's markup), suggestions. Their service is bot.services.followups."""
