-- prefect_filter 0.2.0 -> 0.3.0: prefect.deployments_validation_errors(), every validation error
-- of a request body at once, in Prefect's order, for the HTTP server's 422 answer. (0.3.0 also
-- adds the setting prefect_filter.datetime_parsing, which lives in the shared library.)
\echo Use "ALTER EXTENSION prefect_filter UPDATE TO '0.3.0'" to load this file. \quit

-- ---------------------------------------------------------------- deployments_validation_errors
-- The body's errors as FastAPI's own 422 body: {"detail": [pydantic error objects, in Prefect's
-- order]} ({"detail": []} for a valid body), or {"detail": "Invalid limit: ..."} for the error
-- Prefect's LimitBody raises as an HTTPException before anything else is validated. `body` is
-- json, not jsonb, so that unknown keys are reported in the order they were sent, as pydantic
-- does. `endpoint` is the route: 'filter', 'count' or 'paginate'. It validates only (no table is
-- read), so it does not depend on the data or on the Prefect tables' schema.
CREATE FUNCTION prefect.deployments_validation_errors(body json, endpoint text DEFAULT 'filter') RETURNS json
    AS 'MODULE_PATHNAME', 'pf_deployments_validation_errors'
    LANGUAGE C STABLE PARALLEL SAFE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION prefect.deployments_validation_errors(json, text) IS
    'Every validation error of a request body for a deployments route, as FastAPI''s 422 body: {"detail": [...]}';
