"""Alembic environment for running Prefect's PostgreSQL migration scripts without Prefect.

Mirrors what matters of Prefect's own env.py (src/prefect/server/database/_migrations/env.py,
tags 3.7.0-3.8.3) for an online upgrade on PostgreSQL:
  * target_metadata carries Prefect's naming convention (orm_models.py Base.metadata). Alembic's
    op.* builds its throwaway MetaData with target_metadata.naming_convention, so unnamed
    constraints/indexes in the scripts get Prefect's names (ix_/uq_/ck_/fk_/pk_).
  * transaction_per_migration=True, include_schemas=True, render_as_batch False (PostgreSQL).
  * The connection is a 2.0-style ("future") connection, as Prefect's AsyncEngine connection is;
    psycopg2 instead of asyncpg (the DDL is the same: both are SQLAlchemy's postgresql dialect).
  * No statement timeout (Prefect sets a migration timeout; irrelevant on an empty database),
    search_path left at PostgreSQL's default ("$user", public), as Prefect's default.
Prefect's env.py creates no extension: the scripts themselves run CREATE EXTENSION IF NOT
EXISTS pg_trgm (d60c18774a5d, 41e5ed9e1034), and gen_random_uuid() is built into PostgreSQL 13+.
include_object only affects autogenerate and is omitted.
"""
import sqlalchemy as sa
from alembic import context

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s__%(column_0_N_name)s",
    "uq": "uq_%(table_name)s__%(column_0_N_name)s",
    "ck": "ck_%(table_name)s__%(constraint_name)s",
    "fk": "fk_%(table_name)s__%(column_0_N_name)s__%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

config = context.config
target_metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def run_migrations_online():
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url"), future=True, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_schemas=True,
            render_as_batch=False,
            transaction_per_migration=True,
            template_args={"dialect": "postgresql"},
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline mode is not supported by this harness")
run_migrations_online()
