"""The revisions, one per change of the models; see docs/operations.md, "Changing the schema"."""
