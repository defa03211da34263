"""Alembic's migration environment (env.py) and revisions (versions/): a package, so that an installed bot
can migrate."""
