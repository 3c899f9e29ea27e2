// Opening a libpq connection with the caller's notice processor in place before libpq reads a
// byte from the server.
//
// PQconnectdbParams returns a connection whose notices still go to libpq's default processor,
// which writes them to stderr; the caller can only install its own afterwards. A backend told to
// stop right after it started sends ReadyForQuery and its FATAL ("terminating connection due to
// administrator command") together: libpq parses both while connecting, takes the FATAL for a
// notice of an idle connection and prints it, untimed, on the server's stderr. So the pool starts
// the connection (PQconnectStartParams), installs its processor, then completes it here.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>

namespace pf_http {

using ConnHandle = std::shared_ptr<PGconn>;  // PQfinish on release

// libpq's connect_timeout as connectDBComplete reads it: "" or <= 0 means none, 1 means 2 s.
// False (with libpq's message) for text that is not an integer.
bool ConnectTimeoutSeconds(const char *text, int *seconds, std::string *error);

// Like PQconnectdbParams (same keywords, values, expand_dbname, and its per-host
// connect_timeout), with `processor` receiving every notice from the start. A ready connection
// (CONNECTION_OK), or null with `why` (libpq's message, or "timeout expired").
//
// One host (the case of every connection the pool opens to a host of a list): completed here,
// connect_timeout counted from the start, as libpq counts it per host. Several hosts in one
// connection string (e.g. from PGHOST): libpq's own blocking connect, which moves on to the next
// host when one times out, and the processor installed afterwards as before.
ConnHandle ConnectWithNotices(const char *const *keys, const char *const *values, int expand_dbname,
                              PQnoticeProcessor processor, void *arg, std::string *why);

}  // namespace pf_http
