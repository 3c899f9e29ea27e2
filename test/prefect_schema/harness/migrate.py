#!/usr/bin/python3
"""Run Prefect's PostgreSQL migration scripts up to `heads` with Debian's alembic/SQLAlchemy.

usage: migrate.py VERSIONS_DIR DATABASE_URL
VERSIONS_DIR is the extracted src/prefect/server/database/_migrations/versions/postgresql of one
tag; the environment is harness/alembic/env.py (Prefect's script_location holds its own env.py,
which needs the whole of Prefect); the stand-in `prefect` package (harness/stand_in) is put
first on sys.path. Shims for SQLAlchemy 2-only APIs, if any, are applied by shims.py.
"""
import logging
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "stand_in"))

import shims  # noqa: E402  (harness/shims.py)
from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from sqlalchemy.exc import SAWarning  # noqa: E402


def main():
    versions_dir, url = sys.argv[1], sys.argv[2]
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s", stream=sys.stderr)
    logging.getLogger("alembic").setLevel(logging.INFO)
    shims.apply()
    for shim in shims.APPLIED:
        logging.getLogger("shims").warning("applied shim: %s", shim)
    cfg = Config()
    cfg.set_main_option("script_location", os.path.join(HERE, "alembic"))
    cfg.set_main_option("version_locations", os.path.abspath(versions_dir))
    cfg.set_main_option("sqlalchemy.url", url)
    # as Prefect's alembic_upgrade(): reflection warnings for expression indexes are expected
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index",
                                category=SAWarning)
        command.upgrade(cfg, "heads")


if __name__ == "__main__":
    main()
