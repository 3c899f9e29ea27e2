"""Stand-in for prefect.server.utilities.database: the column types the migrations use.

Reproduces the PostgreSQL DDL behaviour of the real module (identical at tags 3.7.0-3.8.3 in
everything below; the real classes also carry bind/result processing, which DDL never uses):
  Timestamp   TypeDecorator, impl TIMESTAMP(timezone=True); on postgresql
              postgresql.TIMESTAMP(timezone=True)                     -> timestamp with time zone
  UUID        TypeDecorator, impl TypeEngine; on postgresql postgresql.UUID()   -> uuid
  JSON        TypeDecorator, impl postgresql.JSONB; on postgresql
              postgresql.JSONB(none_as_null=True)                     -> jsonb
  Pydantic    TypeDecorator, impl JSON (or sa_column_type when given)  -> jsonb
  GenerateUUID FunctionElement compiled on postgresql as (GEN_RANDOM_UUID())
Written for SQLAlchemy 1.4: the real classes subscript TypeDecorator[...] /
FunctionElement[...] (generic only in SQLAlchemy 2); the subscripts are dropped here.
"""
import datetime
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import functions
from sqlalchemy.types import CHAR, TypeDecorator, TypeEngine


class GenerateUUID(functions.FunctionElement):
    name = "uuid_default"


@compiles(GenerateUUID, "postgresql")
def generate_uuid_postgresql(element, compiler, **kwargs):
    return "(GEN_RANDOM_UUID())"


class Timestamp(TypeDecorator):
    impl = sa.TIMESTAMP(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        elif dialect.name == "sqlite":
            return dialect.type_descriptor(sqlite.DATETIME())
        else:
            return dialect.type_descriptor(sa.TIMESTAMP(timezone=True))


class UUID(TypeDecorator):
    impl = TypeEngine
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.UUID())
        else:
            return dialect.type_descriptor(CHAR(36))


class JSON(TypeDecorator):
    impl = postgresql.JSONB
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB(none_as_null=True))
        elif dialect.name == "sqlite":
            return dialect.type_descriptor(sqlite.JSON(none_as_null=True))
        else:
            return dialect.type_descriptor(sa.JSON(none_as_null=True))


class Pydantic(TypeDecorator):
    impl = JSON
    cache_ok = True

    def __init__(self, pydantic_type, sa_column_type=None):
        super().__init__()
        self._pydantic_type = pydantic_type
        if sa_column_type is not None:
            self.impl = sa_column_type
