"""Stand-in package; see prefect/__init__.py."""
