// Running SQL: the SPI connection, the plan cache and the binding of values. Every statement the
// extension runs goes through here, and every value it binds through one path (a ParamListInfo
// of typed Datums, BindAndRun in spi_run.cpp). Statements run read-only in the caller's
// snapshot, so the statements of one call agree with each other.
#pragma once
#include "pg/pg_includes.hpp"

#include "compiler/query.hpp"

namespace prefect_filter {

void ConnectSpi(void);
void FinishSpi(void);

// Runs a request's CompiledRequest::resolve statements, in order, and returns their values (one
// uuid[] Datum each, valid until FinishSpi; nullptr when there are none): the `resolved`
// argument of the calls below.
const Datum *RunResolve(const std::vector<Statement> &resolve, const char *schema);

// Runs a compiled statement, its rows going to `dest`. `schema` holds Prefect's tables (where
// its state_type enum is, for a state parameter); a parameter with Param::resolved >= 0 is bound
// to resolved[Param::resolved]. Returns the number of rows.
uint64 RunStatement(const Statement &stmt, const char *schema, const Datum *resolved, DestReceiver *dest);

// Runs a compiled SELECT count(*) and returns the count.
int64 RunCount(const Statement &stmt, const char *schema, const Datum *resolved);

// Runs a related load, its rows going to `dest`: `sql` takes the keys (`nkeys` uuid Datums) as
// $1 uuid[].
void RunKeyedLoad(const std::string &sql, const Datum *keys, int nkeys, DestReceiver *dest);

}  // namespace prefect_filter
