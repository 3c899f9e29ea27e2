// Prefect's environment -> Options: the settings a Prefect server reads from PREFECT_* variables,
// resolved as Prefect 3 resolves them (pydantic-settings' alias order, pydantic's lax parsing,
// SQLAlchemy's URL grammar and the arguments its asyncpg dialect hands to asyncpg.connect), then
// mapped onto libpq and our Options. Pure apart from CurrentEnvironment() and the search for a
// system CA bundle (TLS without a CA file). ParseOptions (options.cpp) calls it; the command-line
// flags override what it sets.
#pragma once

#include "http/options.hpp"

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pf_http {

// The real environment (`environ`). Lookups in an Environment are case-insensitive, as
// pydantic-settings' are.
Environment CurrentEnvironment();

// pydantic v2 lax parsing of a str into bool / int / float (pydantic-core src/input/shared.rs):
// bool: 0 1 f t n y no on off yes true false (case-insensitive, no surrounding spaces);
// int: surrounding whitespace, one leading '+' or '-', leading zeros, '_' between digits, a
// '.0...' fraction; float: Rust's f64 grammar after trimming (inf, nan, 1e3, .5), or with '_'.
bool PydanticBool(std::string_view text, bool *out);
bool PydanticInt(std::string_view text, long long *out);  // false also beyond 64 bits
bool PydanticFloat(std::string_view text, double *out);

// A URL as sqlalchemy.engine.url.make_url splits it (the same regular expression). username,
// password and database are percent-decoded (urllib.parse.unquote), host is not; query is
// parse_qsl's list (blank values dropped, '+' is a space, percent-decoded).
struct SqlaUrl {
    std::string drivername;
    bool has_username = false, has_password = false, has_host = false, has_database = false;
    std::string username, password, host, database;
    std::string port;  // the text after ':' (may be empty); not yet an int
    std::vector<std::pair<std::string, std::string>> query;
};
// False when the regular expression does not match (SQLAlchemy: "Could not parse SQLAlchemy URL").
bool ParseSqlaUrl(const std::string &url, SqlaUrl *out);

// Where each effective setting came from: "--flag", an environment variable's name, or absent
// (= default). Keys are the names --print-config prints.
struct ConfigSources {
    std::map<std::string, std::string> by_key;
    std::vector<std::string> db_param_sources;  // parallel to Options::db_params
};

// Reads Prefect's variables from `env` into *o, skipping the settings whose key is in
// `overridden` (a flag sets them; their variables are then not read at all). On a bad value
// returns false and sets *error to one line naming the variable (never echoing a secret).
// Keys: "listen.host", "listen.port", "database", "statement_timeout_ms", "connect_timeout_s",
// "tables_schema", "auth_string", "csrf_protection_enabled", "cors_allowed_origins",
// "cors_allowed_methods", "cors_allowed_headers", "base_path", "default_limit",
// "keep_alive_timeout_s".
bool ApplyPrefectEnvironment(const Environment &env, const std::set<std::string> &overridden, Options *o,
                             ConfigSources *sources, std::string *error);

// Base path as Prefect mounts it: unset or empty -> "/api"; otherwise it must start with '/'
// (Starlette asserts it) and loses its trailing '/' (Mount.path = path.rstrip("/"); "/" -> "" =
// the root). False when it does not start with '/'.
bool NormalizeBasePath(const std::string &value, std::string *out);

// The first schema of a PostgreSQL search_path value (split as PostgreSQL's
// SplitIdentifierString splits it: unquoted names are lower-cased, "..." keeps case), skipping
// "$user". False on a syntax error or when no schema is named; *skipped_user tells if "$user"
// came first.
bool FirstSearchPathSchema(const std::string &search_path, std::string *schema, bool *skipped_user);

// --print-config's text: one "key = value  (source)" line per setting; secrets as ********.
std::string PrintConfig(const Options &o, const ConfigSources &sources);

}  // namespace pf_http
