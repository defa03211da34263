"""The application layer, between the surfaces (the CLI, the Slack app, the reminder scheduler) and storage.

A service opens one session per operation and commits it (the rule of storage/__init__.py), calls the
pure core and storage's queries, and returns plain data that each surface renders its own way.
"""
