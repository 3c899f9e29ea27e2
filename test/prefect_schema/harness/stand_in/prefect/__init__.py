"""Stand-in for the `prefect` package, providing exactly what Prefect's PostgreSQL migration
scripts (src/prefect/server/database/_migrations/versions/postgresql/*.py, tags 3.7.0-3.8.3)
import or reach through `import prefect`, and nothing else. It is NOT Prefect.

The migration files use `import prefect` and then attribute paths such as
`prefect.server.utilities.database.UUID` and `prefect.server.schemas.core.QueueFilter`; in the
real package those submodules are already imported by the time alembic loads the scripts (the
real env.py imports prefect.server.database). Import them here for the same effect.

What matters for the schema is prefect.server.utilities.database (column types, reproduced from
the real module's PostgreSQL branches). Everything else is a named placeholder: the Pydantic
models only parameterise `Pydantic(...)` columns, whose DDL is jsonb whatever the model; the
data-migration helpers (Block._calculate_schema_checksum, lease storage, run_coro_as_sync) are
only reached for rows that exist, and the harness migrates an empty database, so they raise if
ever called rather than guess at Prefect's behaviour.
"""
import prefect.server.utilities.database  # noqa: F401
import prefect.server.utilities.schemas  # noqa: F401
import prefect.server.schemas.core  # noqa: F401
import prefect.server.schemas.schedules  # noqa: F401
import prefect.server.schemas.states  # noqa: F401

__version__ = "0+stand-in"
