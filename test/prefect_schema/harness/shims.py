"""Shims for SQLAlchemy 2-only APIs that Prefect's PostgreSQL migration scripts use, applied
before alembic loads them (Debian 12 ships SQLAlchemy 1.4.46 and alembic 1.8.1). Each is the
smallest stand-in with the same PostgreSQL DDL; keep this list in step with DIFF.md.

1. sa.UUID (SQLAlchemy 2.0's generic UUID type; 1.4 has only sqlalchemy.dialects.postgresql.UUID).
   Used by 5d03c01be85e (2024_12_04 sync_orm_models_and_migrations) only as
   op.alter_column(..., existing_type=sa.UUID(), nullable=...), i.e. ALTER COLUMN ... SET/DROP
   NOT NULL, which does not render the type at all. On PostgreSQL 2.0's sa.UUID renders as UUID,
   as postgresql.UUID does in 1.4.
Not shimmed, because never evaluated: `row: sa.Row[...]` in 4160a4841eed is a local-variable
annotation inside upgrade(), which Python does not evaluate.
"""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

APPLIED = []


def apply():
    if not hasattr(sa, "UUID"):
        sa.UUID = postgresql.UUID
        APPLIED.append("sa.UUID = sqlalchemy.dialects.postgresql.UUID")
