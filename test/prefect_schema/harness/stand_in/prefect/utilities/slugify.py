"""Stand-in: Prefect's prefect.utilities.slugify is a re-export of python-slugify (Debian
python3-slugify); only called for existing block_type rows."""
from slugify import slugify  # noqa: F401

__all__ = ["slugify"]
