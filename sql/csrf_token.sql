-- prefect.csrf_token_for_client (0.2.0): the unexpired token of a client in the csrf_token table
-- of prefect_filter.schema, else NULL. The client is bound as a parameter, the schema quoted.
BEGIN;
-- Prefect's rows: one valid, one expired, one expiring exactly now (expiration > now() is strict)
INSERT INTO prefect.csrf_token (token, client, expiration) VALUES
  ('a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', 'ui-client-1', now() + interval '1 hour'),
  ('e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0', 'ui-expired', now() - interval '1 second'),
  ('b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0', 'ui-boundary', now()),
  ('c0ffee', 'x''); DROP TABLE prefect.csrf_token; --', now() + interval '1 hour');

SELECT prefect.csrf_token_for_client('ui-client-1') AS valid,
       prefect.csrf_token_for_client('ui-expired') AS expired,
       prefect.csrf_token_for_client('ui-boundary') AS expires_now,
       prefect.csrf_token_for_client('no-such-client') AS unknown,
       prefect.csrf_token_for_client('UI-CLIENT-1') AS other_case,
       prefect.csrf_token_for_client('') AS empty,
       prefect.csrf_token_for_client(NULL) AS null_client;

-- quotes, semicolons and SQL in the client are data: they match only the identical client
SELECT prefect.csrf_token_for_client('x''); DROP TABLE prefect.csrf_token; --') AS hostile_stored,
       prefect.csrf_token_for_client(''' OR ''1''=''1') AS or_true,
       prefect.csrf_token_for_client('ui-client-1'' OR true --') AS comment_out,
       prefect.csrf_token_for_client('%') AS percent,
       prefect.csrf_token_for_client('$1') AS dollar;
SELECT count(*) AS tokens_still_there FROM prefect.csrf_token;

-- Prefect's upsert (models.csrf_token.create_or_update_csrf_token) replaces a client's token;
-- uq_csrf_token__client is its conflict target
INSERT INTO prefect.csrf_token (client, token, expiration)
VALUES ('ui-expired', 'f1f1', now() + interval '1 hour')
ON CONFLICT (client) DO UPDATE SET token = excluded.token, expiration = excluded.expiration;
SELECT prefect.csrf_token_for_client('ui-expired') AS renewed;

-- the schema of prefect_filter.schema, quoted as an identifier
CREATE SCHEMA "Other ""Schema""";
CREATE TABLE "Other ""Schema""".csrf_token (LIKE prefect.csrf_token INCLUDING ALL);
INSERT INTO "Other ""Schema""".csrf_token (token, client, expiration)
VALUES ('0770', 'ui-client-1', now() + interval '1 day');
SET LOCAL prefect_filter.schema = 'Other "Schema"';
SELECT prefect.csrf_token_for_client('ui-client-1') AS from_other_schema,
       prefect.csrf_token_for_client('ui-expired') AS not_in_other_schema;
-- an empty setting means "prefect", as for the filter functions
SET LOCAL prefect_filter.schema = '';
SELECT prefect.csrf_token_for_client('ui-client-1') AS empty_setting;
-- a schema without the table is an ordinary ERROR
SET LOCAL prefect_filter.schema = 'no_such_schema';
SAVEPOINT s;
SELECT prefect.csrf_token_for_client('ui-client-1');
ROLLBACK TO SAVEPOINT s;
-- a schema name that is SQL stays a name
SET LOCAL prefect_filter.schema = 'prefect.csrf_token; SELECT 1; --';
SAVEPOINT s;
SELECT prefect.csrf_token_for_client('ui-client-1');
ROLLBACK TO SAVEPOINT s;
RESET prefect_filter.schema;
SELECT prefect.csrf_token_for_client('ui-client-1') AS after_reset;

-- the function's attributes
SELECT p.proname, pg_get_function_arguments(p.oid) AS args, pg_get_function_result(p.oid) AS result,
       l.lanname, p.provolatile, p.proparallel, p.prosecdef AS security_definer, p.proisstrict, p.proconfig,
       obj_description(p.oid, 'pg_proc') AS comment
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.oid = 'prefect.csrf_token_for_client(text)'::regprocedure;
ROLLBACK;
