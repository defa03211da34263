"""The database: the models (every table, storage.models), the engine and its migrations, and the queries,
in modules named for what they hold (storage.queries: meetings, speakers, remarks and the Slack app's
state; storage.followups: follow-ups, reminder rules, deliveries, digests; storage.search_index).
Nothing outside storage/ writes a query.

One transaction rule: queries take a session and never commit. Whoever opens the session commits it:
a service of bot/services, one session per operation (ingesting a file, adding a follow-up); the
reminder delivery (bot.followups.delivery), one short session per claim so that other processes see
it at once. A query that inserts what another process may have inserted first (a delivery, a digest)
returns False or None, its session rolled back, instead of raising.
"""
