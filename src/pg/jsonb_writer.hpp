// JSONB as compact JSON text, written straight from its binary form (utils/jsonb.h): no
// JsonbToCString and no iterator. Keys come in JSONB's order (what Prefect gets back from
// PostgreSQL and re-emits) and numbers are re-printed the way Prefect's json.loads + pydantic
// round trip prints them (doc/serialisation.md).
#pragma once
#include "pg/pg_includes.hpp"

namespace prefect_filter {

// A jsonb Datum.
void WriteJsonb(StringInfo out, Datum d);

// A container inside a jsonb value (or its root).
void WriteJsonbContainer(StringInfo out, JsonbContainer *container);

// A value found in a jsonb object (FindJsonbKey): scalars directly, containers from their binary form.
void WriteJsonbValue(StringInfo out, const JsonbValue *v);

// The value of `key` at the top level of a jsonb object; nullptr if absent or not an object.
JsonbValue *FindJsonbKey(Jsonb *jb, const char *key);

// numeric_out's text of a jsonb number (palloc'd).
char *FormatNumeric(Numeric num);

}  // namespace prefect_filter
