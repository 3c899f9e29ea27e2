// The Prefect database versions this extension serves: PostgreSQL alembic heads whose tables and
// DeploymentResponse were verified against a schema made by Prefect's own migrations
// (test/prefect_schema: scripts/prefect_schema.sh replays them per release tag, DIFF.md
// compares every column the extension reads). A database Prefect migrated to another head is
// refused with an error naming both, never answered from tables we have not checked.
//
// To support a new Prefect release: run scripts/prefect_schema.sh with its tag, read DIFF.md,
// add the head here with its releases, and commit test/prefect_schema's new files.
#pragma once

namespace prefect_filter {

struct PrefectHead {
    const char *head;      // alembic_version.version_num
    const char *releases;  // the Prefect releases whose migrations end there
};

inline constexpr PrefectHead kPrefectHeads[] = {
    {"7218aad17905", "Prefect 3.7.0-3.7.4"},
    {"bad1e352c597", "Prefect 3.7.5-3.7.8"},
    {"50737cdaee36", "Prefect 3.8.0-3.8.3"},
    {"9e9dadc36797", "Prefect 3.8.4.dev6"},
};

}  // namespace prefect_filter
