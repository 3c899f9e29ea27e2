// Unit tests of the pure compiler: SQL text and parameters per filter field, Prefect's edge
// semantics, validation errors (SQLSTATE + JSON path), and the C++/PostgreSQL door.
#include "compiler/door.hpp"
#include "compiler/query.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace pf = prefect_filter;

namespace {

pf::CompiledRequest Filter(const std::string &body) {
    return pf::Compile(body, pf::Endpoint::kFilter, pf::CompileOptions{});
}

// The WHERE clause of the count statement ("" when there is none).
std::string Where(const std::string &body) {
    std::string sql = pf::Compile(body, pf::Endpoint::kCount, pf::CompileOptions{}).count.sql;
    size_t at = sql.find(" WHERE ");
    return at == std::string::npos ? "" : sql.substr(at + 7);
}

std::vector<pf::Param> CountParams(const std::string &body) {
    return pf::Compile(body, pf::Endpoint::kCount, pf::CompileOptions{}).count.params;
}

struct Failure {
    std::string sqlstate, path, message;
};

Failure Fail(const std::string &body, pf::Endpoint endpoint = pf::Endpoint::kFilter) {
    try {
        pf::Compile(body, endpoint, pf::CompileOptions{});
    } catch (const pf::FilterError &e) {
        return {e.SqlState(), e.Path(), e.Message()};
    }
    ADD_FAILURE() << "no error for " << body;
    return {};
}

}  // namespace

TEST(JsonPath, RendersKeysAndIndexes) {
    pf::JsonPath p = pf::JsonPath().Key("flow_runs").Key("state").Key("type").Key("any_").Index(2);
    EXPECT_EQ(p.ToString(), "flow_runs.state.type.any_[2]");
    EXPECT_EQ(pf::JsonPath().ToString(), "(body)");
}

TEST(QuoteIdentifier, AlwaysQuotesAndDoublesQuotes) {
    EXPECT_EQ(pf::QuoteIdentifier("prefect"), "\"prefect\"");
    EXPECT_EQ(pf::QuoteIdentifier("we\"ird"), "\"we\"\"ird\"");
    EXPECT_THROW(pf::QuoteIdentifier(""), pf::FilterError);
}

TEST(Compile, EmptyBodyHasNoWhereAndDefaultPaging) {
    for (const char *body : {"", "{}", "  ", "{\"limit\": null, \"offset\": null, \"sort\": null}"}) {
        pf::CompiledRequest r = Filter(body);
        EXPECT_EQ(r.limit, 200) << body;
        EXPECT_NE(r.rows.sql.find("\"deployment\" d ORDER BY d.name ASC"), std::string::npos) << body;  // no WHERE
        ASSERT_EQ(r.rows.params.size(), 2u);
        EXPECT_EQ(r.rows.params[0].int_value, 200);  // LIMIT
        EXPECT_EQ(r.rows.params[1].int_value, 0);    // OFFSET
        EXPECT_NE(r.rows.sql.find("ORDER BY d.name ASC, d.id ASC LIMIT $1::bigint OFFSET $2::bigint"),
                  std::string::npos);
    }
}

TEST(Compile, SortsHaveIdTiebreak) {
    EXPECT_NE(Filter("{\"sort\":\"NAME_DESC\"}").rows.sql.find("ORDER BY d.name DESC, d.id DESC"), std::string::npos);
    EXPECT_NE(Filter("{\"sort\":\"CREATED_DESC\"}").rows.sql.find("ORDER BY d.created DESC, d.id DESC"),
              std::string::npos);
    EXPECT_NE(Filter("{\"sort\":\"UPDATED_DESC\"}").rows.sql.find("ORDER BY d.updated DESC, d.id DESC"),
              std::string::npos);
    // The page's rows reach the renderer in page order: the outer query of the keyed form orders
    // by the page's own sort key (which it selects), so the nested loop over the page needs no sort.
    std::string sql = Filter("{\"sort\":\"CREATED_DESC\",\"deployments\":{\"paused\":{\"eq_\":false}}}").rows.sql;
    EXPECT_NE(sql.find("(SELECT d.id, d.created FROM"), std::string::npos);
    EXPECT_EQ(sql.size() - sql.rfind(") d ORDER BY p.created DESC, p.id DESC"),
              std::string(") d ORDER BY p.created DESC, p.id DESC").size());
}

// A page without filters that skips at most one page reads its rows in the sort's order
// directly; a filtered page, or one deeper down, finds its ids first and fetches each by key.
TEST(Compile, UnfilteredFirstPagesAreDirect) {
    const std::string direct_tail = " d ORDER BY d.name ASC, d.id ASC LIMIT $1::bigint OFFSET $2::bigint";
    for (const char *body : {"{}", "{\"limit\":10,\"offset\":10}", "{\"deployments\":{}}"}) {
        std::string sql = Filter(body).rows.sql;
        EXPECT_EQ(sql.find("LATERAL"), std::string::npos) << body;
        EXPECT_EQ(sql.size() - sql.rfind(direct_tail), direct_tail.size()) << body;
    }
    for (const char *body : {"{\"limit\":10,\"offset\":11}", "{\"deployments\":{\"paused\":{\"eq_\":true}}}",
                             "{\"flows\":{\"name\":{\"any_\":[\"etl\"]}}}"}) {
        std::string sql = Filter(body).rows.sql;
        EXPECT_NE(sql.find("CROSS JOIN LATERAL"), std::string::npos) << body;
    }
    // A sort no index serves keeps the keyed form (sorting ids, not wide rows).
    pf::CompileOptions created_only;
    created_only.indexed_sorts = pf::SortBit(pf::Sort::kCreatedDesc);
    EXPECT_NE(pf::Compile("{}", pf::Endpoint::kFilter, created_only).rows.sql.find("LATERAL"), std::string::npos);
    EXPECT_EQ(pf::Compile("{\"sort\":\"CREATED_DESC\"}", pf::Endpoint::kFilter, created_only).rows.sql.find("LATERAL"),
              std::string::npos);
    pf::CompiledRequest page2 =
        pf::Compile("{\"limit\":100,\"page\":2}", pf::Endpoint::kPaginate, pf::CompileOptions{});
    EXPECT_EQ(page2.rows.sql.find("LATERAL"), std::string::npos);
    EXPECT_EQ(page2.rows.params[1].int_value, 100);
    pf::CompiledRequest page3 =
        pf::Compile("{\"limit\":100,\"page\":3}", pf::Endpoint::kPaginate, pf::CompileOptions{});
    EXPECT_NE(page3.rows.sql.find("LATERAL"), std::string::npos);
}

// paginate counts only when its page cannot tell: a page short of its limit ends the matches.
TEST(Compile, ShortPageImpliesTheCount) {
    auto paginate = [](const char *body) { return pf::Compile(body, pf::Endpoint::kPaginate, pf::CompileOptions{}); };
    pf::CompiledRequest first = paginate("{\"limit\":10}");
    EXPECT_EQ(pf::CountImpliedByPage(first, 0), 0);
    EXPECT_EQ(pf::CountImpliedByPage(first, 7), 7);
    EXPECT_EQ(pf::CountImpliedByPage(first, 10), -1);  // full: there may be more
    pf::CompiledRequest third = paginate("{\"limit\":10,\"page\":3}");
    EXPECT_EQ(third.offset, 20);
    EXPECT_EQ(pf::CountImpliedByPage(third, 3), 23);
    EXPECT_EQ(pf::CountImpliedByPage(third, 0), -1);  // past the end: anything up to 20
    EXPECT_EQ(pf::CountImpliedByPage(paginate("{\"limit\":0}"), 0), -1);
    // A page number so large that the offset saturates is empty, and says nothing.
    pf::CompiledRequest far = paginate("{\"limit\":200,\"page\":9223372036854775807}");
    EXPECT_EQ(pf::CountImpliedByPage(far, 0), -1);
}

TEST(Compile, SchemaIsQuotedEverywhere) {
    pf::CompileOptions options;
    options.schema = "public";
    pf::CompiledRequest r = pf::Compile("{\"flow_runs\":{\"state\":{\"type\":{\"any_\":[\"RUNNING\",\"FAILED\"]}}}}",
                                        pf::Endpoint::kFilter, options);
    EXPECT_EQ(r.rows.sql.find("prefect"), std::string::npos);
    EXPECT_NE(r.rows.sql.find("\"public\".\"flow_run\" fr"), std::string::npos);
    EXPECT_NE(r.rows.sql.find("$1::\"public\".\"state_type\"[]"), std::string::npos);
    r = pf::Compile("{\"flow_runs\":{\"state\":{\"type\":{\"any_\":[\"RUNNING\"]}}}}", pf::Endpoint::kFilter, options);
    EXPECT_EQ(r.rows.sql.find("prefect"), std::string::npos);
    EXPECT_NE(r.rows.sql.find("$1::\"public\".\"state_type\")"), std::string::npos);
}

TEST(Compile, RelatedRowsAreLoadedPerPageNotPerRow) {
    pf::CompileOptions options;
    options.schema = "public";
    pf::CompiledRequest r =
        pf::Compile("{\"flows\":{\"name\":{\"any_\":[\"etl\"]}}}", pf::Endpoint::kPaginate, options);
    // The page statement reads no related table: no subplan per row.
    for (const char *table : {"deployment_schedule", "concurrency_limit_v2", "work_queue", "work_pool"})
        EXPECT_EQ(r.rows.sql.find(std::string("\"") + table + "\""), std::string::npos) << table;
    // One load per related table, keyed by the page's keys ($1), ordered by key for lookups.
    EXPECT_NE(r.related.schedules.find("FROM \"public\".\"deployment_schedule\" s WHERE s.deployment_id = ANY($1) "
                                       "ORDER BY s.deployment_id, s.updated DESC, s.id"),
              std::string::npos);
    EXPECT_NE(r.related.limits.find("\"public\".\"concurrency_limit_v2\" cl WHERE cl.id = ANY($1) ORDER BY cl.id"),
              std::string::npos);
    EXPECT_NE(r.related.queues.find("\"public\".\"work_pool\" wp ON wp.id = wq.work_pool_id WHERE wq.id = ANY($1)"),
              std::string::npos);
    // Independent of the body: planned once per backend.
    EXPECT_EQ(r.related.schedules, pf::Compile("{}", pf::Endpoint::kFilter, options).related.schedules);
    // Count needs none.
    EXPECT_TRUE(pf::Compile("{}", pf::Endpoint::kCount, options).related.schedules.empty());
}

TEST(Compile, ValuesAreParametersNeverText) {
    const std::string evil = "x'); DROP TABLE prefect.deployment; --";
    pf::CompiledRequest r =
        Filter("{\"deployments\":{\"name\":{\"any_\":[\"" + evil + "\"],\"like_\":\"" + evil + "\"}}}");
    EXPECT_EQ(r.rows.sql.find("DROP"), std::string::npos);
    ASSERT_GE(r.rows.params.size(), 2u);
    EXPECT_EQ(r.rows.params[0].type, pf::ParamType::kText);  // one value: `=` (see OneValueIsEquality)
    EXPECT_EQ(r.rows.params[0].text, evil);
    EXPECT_EQ(r.rows.params[1].text, "%" + evil + "%");
}

TEST(Compile, SameShapeSameText) {
    // the text depends on the body's shape and on whether a list holds exactly one value
    EXPECT_EQ(Filter("{\"deployments\":{\"name\":{\"any_\":[\"a\",\"b\"]}}}").rows.sql,
              Filter("{\"deployments\":{\"name\":{\"any_\":[\"b\",\"c\",\"d\"]}}}").rows.sql);
    EXPECT_EQ(Filter("{\"deployments\":{\"name\":{\"any_\":[\"a\"]}}}").rows.sql,
              Filter("{\"deployments\":{\"name\":{\"any_\":[\"z\"]}}}").rows.sql);
    EXPECT_EQ(Filter("{\"deployments\":{\"name\":{\"any_\":[]}}}").rows.sql,
              Filter("{\"deployments\":{\"name\":{\"any_\":[\"b\",\"c\"]}}}").rows.sql);
}

TEST(Compile, CustomPlansOnlyWhereValuesDecideThePlan) {
    EXPECT_EQ(Filter("{}").rows.plan_mode, pf::PlanMode::kGeneric);
    // Parallel workers only for counts with sub-filters (never for pages).
    EXPECT_FALSE(Filter("{\"flow_runs\":{}}").rows.parallel_ok);
    EXPECT_TRUE(pf::Compile("{\"flow_runs\":{}}", pf::Endpoint::kCount, pf::CompileOptions{}).count.parallel_ok);
    EXPECT_FALSE(pf::Compile("{}", pf::Endpoint::kCount, pf::CompileOptions{}).count.parallel_ok);
    EXPECT_TRUE(pf::Compile("{\"task_runs\":{}}", pf::Endpoint::kPaginate, pf::CompileOptions{}).count.parallel_ok);
    EXPECT_FALSE(pf::Compile("{\"task_runs\":{}}", pf::Endpoint::kPaginate, pf::CompileOptions{}).rows.parallel_ok);
    EXPECT_EQ(Filter("{\"deployments\":{\"name\":{\"any_\":[\"a\"]}}}").rows.plan_mode, pf::PlanMode::kGeneric);
    EXPECT_EQ(Filter("{\"flow_runs\":{}}").rows.plan_mode, pf::PlanMode::kCustom);
    EXPECT_EQ(Filter("{\"task_runs\":{}}").rows.plan_mode, pf::PlanMode::kCustom);
    EXPECT_EQ(Filter("{\"flows\":{}}").rows.plan_mode, pf::PlanMode::kCustom);
    EXPECT_EQ(Filter("{\"flows\":{\"name\":{\"like_\":\"e\"}}}").rows.plan_mode, pf::PlanMode::kCustom);
    EXPECT_EQ(Filter("{\"flows\":{},\"flow_runs\":{}}").rows.plan_mode, pf::PlanMode::kCustom);
    EXPECT_EQ(Filter("{\"work_pools\":{}}").rows.plan_mode, pf::PlanMode::kCustom);
    EXPECT_EQ(Filter("{\"work_pool_queues\":{}}").rows.plan_mode, pf::PlanMode::kCustom);
    // counts over the small tables keep their generic plan; flow-run counts are planned per call
    auto count_mode = [](const char *body) {
        return pf::Compile(body, pf::Endpoint::kCount, pf::CompileOptions{}).count.plan_mode;
    };
    EXPECT_EQ(count_mode("{\"flows\":{\"name\":{\"any_\":[\"a\"]}}}"), pf::PlanMode::kGeneric);
    EXPECT_EQ(count_mode("{\"work_pool_queues\":{\"id\":{\"any_\":[]}}}"), pf::PlanMode::kGeneric);
    // a flows pattern is planned with its value where it is used: in the statement finding the
    // flows' ids; the count over those ids keeps its generic plan
    EXPECT_EQ(count_mode("{\"flows\":{\"name\":{\"like_\":\"a\"}}}"), pf::PlanMode::kGeneric);
    EXPECT_EQ(pf::Compile("{\"flows\":{\"name\":{\"like_\":\"a\"}}}", pf::Endpoint::kCount, pf::CompileOptions{})
                  .resolve.at(0)
                  .plan_mode,
              pf::PlanMode::kCustom);
    EXPECT_EQ(count_mode("{\"work_pools\":{},\"task_runs\":{}}"), pf::PlanMode::kCustom);
    EXPECT_EQ(Filter("{\"deployments\":{\"tags\":{\"all_\":[\"a\"]},\"paused\":{\"eq_\":true}}}").rows.plan_mode,
              pf::PlanMode::kGeneric);
    EXPECT_EQ(Filter("{\"deployments\":{\"name\":{\"like_\":\"a\"}}}").rows.plan_mode, pf::PlanMode::kCustom);
    EXPECT_EQ(Filter("{\"deployments\":{\"name\":{\"like_\":\"\"}}}").rows.plan_mode, pf::PlanMode::kGeneric);
    EXPECT_EQ(pf::Compile("{\"flow_runs\":{}}", pf::Endpoint::kCount, pf::CompileOptions{}).count.plan_mode,
              pf::PlanMode::kCustom);
}

TEST(Fields, AnyNotAnyLikeAndTags) {
    EXPECT_EQ(Where("{\"deployments\":{\"id\":{\"any_\":[]}}}"), "(d.id = ANY($1::uuid[]))");
    EXPECT_EQ(Where("{\"deployments\":{\"id\":{\"not_any_\":[]}}}"), "");
    EXPECT_EQ(Where("{\"deployments\":{\"id\":{\"not_any_\":[\"0D000000000000000000000000000001\"]}}}"),
              "(d.id <> ALL($1::uuid[]))");
    EXPECT_EQ(CountParams("{\"deployments\":{\"id\":{\"not_any_\":[\"0D000000000000000000000000000001\"]}}}")[0].items,
              std::vector<std::string>{"0d000000-0000-0000-0000-000000000001"});
    EXPECT_EQ(Where("{\"deployments\":{\"name\":{\"like_\":\"\"}}}"), "");
    EXPECT_EQ(Where("{\"deployments\":{\"name\":{\"like_\":\"a_b%\"}}}"), "(d.name ILIKE $1::text)");
    EXPECT_EQ(CountParams("{\"deployments\":{\"name\":{\"like_\":\"a_b%\"}}}")[0].text, "%a_b%%");
    EXPECT_EQ(Where("{\"deployments\":{\"tags\":{\"all_\":[]}}}"), "");
    EXPECT_EQ(Where("{\"deployments\":{\"tags\":{\"all_\":[\"a\"]}}}"), "(d.tags ?& $1::text[])");
    EXPECT_EQ(Where("{\"deployments\":{\"tags\":{\"any_\":[]}}}"), "(d.tags ?| $1::text[])");
    EXPECT_EQ(Where("{\"deployments\":{\"tags\":{\"is_null_\":true}}}"), "(d.tags = '[]'::jsonb)");
    EXPECT_EQ(Where("{\"deployments\":{\"tags\":{\"operator\":\"or_\",\"any_\":[\"a\"],\"is_null_\":false}}}"),
              "((d.tags ?| $1::text[]) OR (d.tags <> '[]'::jsonb))");
}

// Prefect's IN of one bound value is `= $1` in PostgreSQL (SQLAlchemy renders `IN ($1)`), and so
// is ours: an index range on `=` comes back in key order (compile.cpp, AnyOf). Empty and longer
// lists stay one array parameter.
TEST(Fields, OneValueIsEquality) {
    EXPECT_EQ(Where("{\"deployments\":{\"id\":{\"any_\":[\"0D000000000000000000000000000001\"]}}}"),
              "(d.id = $1::uuid)");
    std::vector<pf::Param> p =
        CountParams("{\"deployments\":{\"id\":{\"any_\":[\"0D000000000000000000000000000001\"]}}}");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].type, pf::ParamType::kUuid);
    EXPECT_EQ(p[0].text, "0d000000-0000-0000-0000-000000000001");  // canonical, as the arrays' items
    EXPECT_EQ(Where("{\"deployments\":{\"name\":{\"any_\":[\"a\"]}}}"), "(d.name = $1::text)");
    EXPECT_EQ(Where("{\"deployments\":{\"name\":{\"any_\":[\"a\",\"b\"]}}}"), "(d.name = ANY($1::text[]))");
    p = CountParams("{\"task_runs\":{\"state\":{\"type\":{\"any_\":[\"FAILED\"]}}}}");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].type, pf::ParamType::kStateType);
    EXPECT_EQ(p[0].text, "FAILED");
    EXPECT_NE(Where("{\"task_runs\":{\"state\":{\"type\":{\"any_\":[\"FAILED\"]}}}}")
                  .find("(tr.state_type = $1::\"prefect\".\"state_type\")"),
              std::string::npos);
    EXPECT_NE(Where("{\"task_runs\":{\"flow_run_id\":{\"any_\":[\"0D000000000000000000000000000001\"]}}}")
                  .find("(tr.flow_run_id = $1::uuid)"),
              std::string::npos);
    EXPECT_NE(Where("{\"flow_runs\":{\"parent_flow_run_id\":{\"any_\":[\"0D000000000000000000000000000001\"]}}}")
                  .find("ptr.flow_run_id = $1::uuid"),
              std::string::npos);
    EXPECT_EQ(Where("{\"deployments\":{\"id\":{\"not_any_\":[\"0D000000000000000000000000000001\"]}}}"),
              "(d.id <> ALL($1::uuid[]))");  // not_any_ is not IN: unchanged
}

TEST(Fields, OperatorAndEmptySubFilters) {
    // an empty sub-object is TRUE: harmless under and_, everything under or_
    EXPECT_EQ(Where("{\"deployments\":{\"name\":{},\"paused\":{\"eq_\":true}}}"), "(d.paused = $1::boolean)");
    EXPECT_EQ(Where("{\"deployments\":{\"operator\":\"or_\",\"name\":{},\"paused\":{\"eq_\":true}}}"), "");
    // the deprecated concurrency_limit is never appended, so it cannot make or_ TRUE
    EXPECT_EQ(Where("{\"deployments\":{\"operator\":\"or_\",\"concurrency_limit\":{},\"paused\":{\"eq_\":true}}}"),
              "(d.paused = $1::boolean)");
}

// A flows or work pool/queue filter with a condition: the ids of the flows or queues are found
// first, by statements of their own with their own parameters, and the page and the count take
// each set as one uuid[] parameter.
TEST(Fields, SmallTableFiltersAreResolvedFirst) {
    const std::string body =
        "{\"deployments\":{\"paused\":{\"eq_\":false}},\"flows\":{\"name\":{\"any_\":[\"a\",\"b\"]}},"
        "\"work_pools\":{\"name\":{\"any_\":[\"p\"]}},\"work_pool_queues\":{\"name\":{\"any_\":[\"q\"]}}}";
    for (pf::Endpoint endpoint : {pf::Endpoint::kFilter, pf::Endpoint::kCount, pf::Endpoint::kPaginate}) {
        pf::CompiledRequest r = pf::Compile(body, endpoint, pf::CompileOptions{});
        ASSERT_EQ(r.resolve.size(), 2u);
        EXPECT_EQ(
            r.resolve[0].sql,
            "SELECT coalesce(array_agg(f.id), '{}') FROM \"prefect\".\"flow\" f WHERE (f.name = ANY($1::text[]))");
        ASSERT_EQ(r.resolve[0].params.size(), 1u);
        EXPECT_EQ(r.resolve[0].params[0].items, (std::vector<std::string>{"a", "b"}));
        EXPECT_EQ(r.resolve[0].params[0].resolved, -1);
        // the queue's filter, then the pool's, as in Prefect's semi-join
        EXPECT_EQ(r.resolve[1].sql,
                  "SELECT coalesce(array_agg(wq.id), '{}') FROM \"prefect\".\"work_queue\" wq JOIN "
                  "\"prefect\".\"work_pool\" wp ON wp.id = wq.work_pool_id WHERE ((wq.name = $1::text) AND "
                  "(wp.name = $2::text))");
        ASSERT_EQ(r.resolve[1].params.size(), 2u);
        EXPECT_EQ(r.resolve[1].params[0].text, "q");
        EXPECT_EQ(r.resolve[1].params[1].text, "p");
        // $1 paused, $2 the flows' ids, $3 the queues' ids, in the page as in the count
        for (const pf::Statement *stmt : {&r.rows, &r.count}) {
            if (stmt->sql.empty()) continue;
            EXPECT_NE(stmt->sql.find("(d.flow_id = ANY($2::uuid[])) AND (d.work_queue_id = ANY($3::uuid[]))"),
                      std::string::npos)
                << stmt->sql;
            EXPECT_EQ(stmt->sql.find("\"flow\" f"), std::string::npos) << stmt->sql;
            EXPECT_EQ(stmt->sql.find("work_queue\" wq"), std::string::npos) << stmt->sql;
            ASSERT_GE(stmt->params.size(), 3u);
            EXPECT_EQ(stmt->params[0].resolved, -1);
            for (int i : {1, 2}) {
                EXPECT_EQ(stmt->params[i].type, pf::ParamType::kUuidArray);
                EXPECT_EQ(stmt->params[i].resolved, i - 1);
                EXPECT_TRUE(stmt->params[i].items.empty());
            }
        }
    }
    // a pool filter with nothing to test keeps the join: queues of any pool
    EXPECT_EQ(pf::Compile("{\"work_pools\":{},\"work_pool_queues\":{\"name\":{\"any_\":[\"q\"]}}}",
                          pf::Endpoint::kCount, pf::CompileOptions{})
                  .resolve.at(0)
                  .sql,
              "SELECT coalesce(array_agg(wq.id), '{}') FROM \"prefect\".\"work_queue\" wq JOIN "
              "\"prefect\".\"work_pool\" wp ON wp.id = wq.work_pool_id WHERE (wq.name = $1::text)");
    // a pattern's parameter belongs to the resolving statement, which is planned with it
    pf::CompiledRequest like = Filter("{\"flows\":{\"name\":{\"like_\":\"etl\"}}}");
    ASSERT_EQ(like.resolve.size(), 1u);
    EXPECT_EQ(like.resolve[0].params.at(0).text, "%etl%");
    EXPECT_EQ(like.rows.params.size(), 3u);  // the ids, limit, offset
    // nothing to resolve: no flows filter, or one without a condition
    EXPECT_TRUE(Filter("{}").resolve.empty());
    EXPECT_TRUE(Filter("{\"flows\":{}}").resolve.empty());
    EXPECT_TRUE(Filter("{\"work_pools\":{},\"work_pool_queues\":{\"name\":{\"startswith_\":[]}}}").resolve.empty());
    EXPECT_TRUE(Filter("{\"deployments\":{\"flow_or_deployment_name\":{\"like_\":\"x\"}}}").resolve.empty());
}

TEST(Fields, RelationalFiltersAreExistsSemiJoins) {
    EXPECT_EQ(Where("{\"flows\":{}}"), "EXISTS (SELECT 1 FROM \"prefect\".\"flow\" f WHERE f.id = d.flow_id)");
    EXPECT_EQ(Where("{\"flow_runs\":{}}"),
              "EXISTS (SELECT 1 FROM \"prefect\".\"flow_run\" fr WHERE fr.deployment_id = d.id)");
    EXPECT_EQ(Where("{\"task_runs\":{}}"),
              "EXISTS (SELECT 1 FROM \"prefect\".\"flow_run\" fr JOIN \"prefect\".\"task_run\" tr ON tr.flow_run_id = "
              "fr.id WHERE fr.deployment_id = d.id)");
    EXPECT_EQ(Where("{\"work_pools\":{}}"),
              "EXISTS (SELECT 1 FROM \"prefect\".\"work_queue\" wq JOIN \"prefect\".\"work_pool\" wp ON wp.id = "
              "wq.work_pool_id WHERE wq.id = d.work_queue_id)");
    EXPECT_EQ(Where("{\"work_pool_queues\":{\"name\":{\"startswith_\":[]}}}"),
              "EXISTS (SELECT 1 FROM \"prefect\".\"work_queue\" wq WHERE wq.id = d.work_queue_id)");
    EXPECT_EQ(Where("{\"deployments\":null,\"flows\":null}"), "");
}

TEST(Fields, StateDropRule) {
    const std::string exists = "EXISTS (SELECT 1 FROM \"prefect\".\"flow_run\" fr WHERE fr.deployment_id = d.id";
    EXPECT_EQ(Where("{\"flow_runs\":{\"state\":{\"type\":{\"any_\":[\"RUNNING\"]}}}}"),
              exists + " AND (fr.state_type = $1::\"prefect\".\"state_type\"))");
    // two active fields in one sub-filter: Prefect drops the whole sub-filter
    EXPECT_EQ(Where("{\"flow_runs\":{\"state\":{\"type\":{\"any_\":[\"RUNNING\"],\"not_any_\":[\"FAILED\"]}}}}"),
              exists + ")");
    // an empty sub-filter is dropped too, so it cannot make or_ TRUE here
    EXPECT_EQ(Where("{\"flow_runs\":{\"state\":{\"operator\":\"or_\",\"type\":{\"any_\":[\"RUNNING\",\"FAILED\"]},"
                    "\"name\":{}}}}"),
              exists + " AND (fr.state_type = ANY($1::\"prefect\".\"state_type\"[])))");
}

TEST(Fields, TaskRunFlowRunIdDecisionTable) {
    auto w = [](const std::string &inner) {
        std::string sql = Where("{\"task_runs\":{\"flow_run_id\":" + inner + "}}");
        size_t at = sql.find("d.id AND ");
        return at == std::string::npos ? std::string("-") : sql.substr(at + 9, sql.size() - at - 10);
    };
    EXPECT_EQ(w("{}"), "(tr.flow_run_id IS NOT NULL)");
    EXPECT_EQ(w("{\"is_null_\":true,\"any_\":[]}"), "(tr.flow_run_id IS NULL)");
    EXPECT_EQ(w("{\"any_\":[]}"), "(tr.flow_run_id = ANY($1::uuid[]))");
    EXPECT_EQ(w("{\"is_null_\":null,\"any_\":[]}"), "(tr.flow_run_id = ANY($1::uuid[]))");
    EXPECT_EQ(w("{\"is_null_\":null}"), "-");
}

TEST(Fields, TimesAreInclusiveAndStartTimeCoalesces) {
    EXPECT_NE(Where("{\"flow_runs\":{\"start_time\":{\"before_\":\"2024-01-01T00:00:00Z\"}}}")
                  .find("(COALESCE(fr.start_time, fr.expected_start_time) <= $1::timestamptz)"),
              std::string::npos);
    EXPECT_NE(Where("{\"flow_runs\":{\"start_time\":{\"is_null_\":true}}}").find("(fr.start_time IS NULL)"),
              std::string::npos);
    // 2000-01-01T01:00:00+01:00 is PostgreSQL's epoch: 0 microseconds
    EXPECT_EQ(CountParams("{\"flow_runs\":{\"end_time\":{\"after_\":\"2000-01-01T01:00:00+01:00\"}}}")[0].int_value, 0);
    EXPECT_EQ(CountParams("{\"flow_runs\":{\"end_time\":{\"after_\":\"2000-01-01T00:00:01.5Z\"}}}")[0].int_value,
              1500000);
}

TEST(Paging, LimitOffsetPageRules) {
    EXPECT_EQ(Filter("{\"limit\":0}").rows.params.back().int_value, 0);
    EXPECT_EQ(Filter("{\"limit\":\"7\",\"offset\":3.0}").limit, 7);
    EXPECT_EQ(Filter("{\"offset\":2147483648}").rows.params.back().int_value, 2147483648LL);
    pf::CompiledRequest p = pf::Compile("{\"limit\":10,\"page\":3}", pf::Endpoint::kPaginate, pf::CompileOptions{});
    EXPECT_EQ(p.page, 3);
    EXPECT_EQ(p.rows.params.back().int_value, 20);
    pf::CompiledRequest huge =
        pf::Compile("{\"page\":9223372036854775807}", pf::Endpoint::kPaginate, pf::CompileOptions{});
    EXPECT_EQ(huge.rows.params.back().int_value, INT64_MAX);  // saturates: simply beyond the last row
    // count ignores paging keys entirely, even invalid ones
    EXPECT_NO_THROW(
        pf::Compile("{\"limit\":-5,\"sort\":\"x\",\"offset\":\"y\"}", pf::Endpoint::kCount, pf::CompileOptions{}));
}

// CompileOptions::default_limit (GUC prefect_filter.default_limit, Prefect's
// PREFECT_SERVER_API_DEFAULT_LIMIT) is both the default and the maximum limit.
TEST(Paging, ConfiguredDefaultLimit) {
    pf::CompileOptions options;
    options.default_limit = 3;
    pf::CompiledRequest r = pf::Compile("{}", pf::Endpoint::kFilter, options);
    EXPECT_EQ(r.limit, 3);
    EXPECT_EQ(r.rows.params[r.rows.params.size() - 2].int_value, 3);  // LIMIT $n, then OFFSET $n
    pf::CompiledRequest p = pf::Compile("{\"page\":2}", pf::Endpoint::kPaginate, options);
    EXPECT_EQ(p.limit, 3);
    EXPECT_EQ(p.rows.params.back().int_value, 3);  // offset = (page - 1) * limit
    EXPECT_EQ(pf::Compile("{\"limit\":3}", pf::Endpoint::kFilter, options).limit, 3);
    try {
        pf::Compile("{\"limit\":4}", pf::Endpoint::kFilter, options);
        ADD_FAILURE() << "limit 4 accepted with default_limit 3";
    } catch (const pf::FilterError &e) {
        EXPECT_EQ(e.SqlState(), std::string("22023"));
        EXPECT_EQ(e.Path(), "limit");
        EXPECT_EQ(e.Message(), "Invalid limit: must be less than or equal to 3.");
    }
    // a limit above Prefect's 200 is accepted when configured
    options.default_limit = 1000;
    EXPECT_EQ(pf::Compile("{\"limit\":1000}", pf::Endpoint::kPaginate, options).limit, 1000);
    EXPECT_EQ(pf::Compile("", pf::Endpoint::kFilter, options).limit, 1000);
    // count ignores the limit
    options.default_limit = 0;
    EXPECT_NO_THROW(pf::Compile("{\"limit\":4}", pf::Endpoint::kCount, options));
    EXPECT_EQ(pf::Compile("{}", pf::Endpoint::kFilter, options).limit, 0);
}

TEST(Errors, SqlStateAndPath) {
    struct Case {
        const char *body, *sqlstate, *path;
    } cases[] = {
        {"[]", "22023", "(body)"},
        {"{", "22P02", "(body)"},
        {"{\"limit\":201}", "22023", "limit"},
        {"{\"limit\":-1}", "22023", "limit"},
        {"{\"limit\":1.5}", "22023", "limit"},
        {"{\"offset\":-1}", "22023", "offset"},
        {"{\"sort\":\"NAME\"}", "22023", "sort"},
        {"{\"deployments\":{\"nope\":1}}", "22023", "deployments.nope"},
        {"{\"deployments\":{\"operator\":\"and\"}}", "22023", "deployments.operator"},
        {"{\"deployments\":{\"id\":{\"any_\":[\"x\"]}}}", "22P02", "deployments.id.any_[0]"},
        {"{\"flow_runs\":{\"state\":{\"type\":{\"any_\":[\"RUNNING\",\"RUNING\"]}}}}", "22023",
         "flow_runs.state.type.any_[1]"},
        {"{\"flow_runs\":{\"end_time\":{\"after_\":\"2024-13-01\"}}}", "22P02", "flow_runs.end_time.after_"},
        {"{\"flow_runs\":{\"created_by\":{\"id_\":[1]}}}", "22023", "flow_runs.created_by.id_[0]"},
        {"{\"task_runs\":{\"subflow_runs\":{\"exists_\":\"perhaps\"}}}", "22P02", "task_runs.subflow_runs.exists_"},
        {"{\"work_pools\":{\"name\":{\"any_\":\"x\"}}}", "22023", "work_pools.name.any_"},
        {"{\"flows\":{\"tags\":{\"any_\":[]}}}", "22023", "flows.tags.any_"},
    };
    for (const Case &c : cases) {
        Failure f = Fail(c.body);
        EXPECT_EQ(f.sqlstate, c.sqlstate) << c.body;
        EXPECT_EQ(f.path, c.path) << c.body;
    }
    EXPECT_EQ(Fail("{\"page\":0}", pf::Endpoint::kPaginate).path, "page");
    EXPECT_EQ(Fail("{\"limit\":500}").message, "Invalid limit: must be less than or equal to 200.");
}

TEST(Errors, LimitsAreEnforced) {
    std::string deep = std::string(40, '[') + std::string(40, ']');
    EXPECT_EQ(Fail("{\"x\":" + deep + "}").sqlstate, "54000");
    std::string big = "{\"deployments\":{\"name\":{\"like_\":\"" + std::string(pf::kMaxBodyBytes, 'a') + "\"}}}";
    EXPECT_EQ(Fail(big).sqlstate, "54000");
    // a 1 MB like_ string and 100 000 ids are valid and compile
    std::string mb(1 << 20, 'x');
    EXPECT_NO_THROW(Filter("{\"deployments\":{\"name\":{\"like_\":\"" + mb + "\"}}}"));
    std::string ids = "[";
    for (int i = 0; i < 100000; ++i) ids += std::string(i ? "," : "") + "\"00000000-0000-0000-0000-000000000000\"";
    ids += "]";
    EXPECT_EQ(Filter("{\"deployments\":{\"id\":{\"any_\":" + ids + "}}}").rows.params[0].items.size(), 100000u);
}

TEST(Door, ConvertsEveryExceptionIntoAPod) {
    pf::ErrorPod err;
    EXPECT_TRUE(pf::RunGuarded(&err, [] {}));
    EXPECT_FALSE(
        pf::RunGuarded(&err, [] { throw pf::FilterError("22P02", pf::JsonPath().Key("a").Index(1), "bad", "more"); }));
    EXPECT_STREQ(err.sqlstate, "22P02");
    EXPECT_STREQ(err.message, "a[1]: bad");
    EXPECT_STREQ(err.detail, "more");
    EXPECT_FALSE(pf::RunGuarded(&err, [] { throw std::bad_alloc(); }));
    EXPECT_STREQ(err.sqlstate, "53200");
    EXPECT_FALSE(pf::RunGuarded(&err, [] { throw std::runtime_error("boom"); }));
    EXPECT_STREQ(err.sqlstate, "XX000");
    EXPECT_STREQ(err.message, "boom");
    EXPECT_FALSE(pf::RunGuarded(&err, [] { throw 42; }));
    EXPECT_STREQ(err.sqlstate, "XX000");
}

TEST(Door, TruncatesLongMessagesOnCharacterBoundaries) {
    pf::ErrorPod err;
    std::string msg;
    for (int i = 0; i < 600; ++i) msg += "é";  // 2 bytes each, 1200 bytes
    pf::RunGuarded(&err, [&] { throw std::runtime_error(msg); });
    size_t n = strlen(err.message);
    EXPECT_LT(n, sizeof err.message);
    EXPECT_EQ(n % 2, 0u);  // never half a character
}

TEST(Errors, ListLimitAndLongKeys) {
    std::string ids = "[";
    for (size_t i = 0; i <= pf::kMaxListLength; ++i) ids += std::string(i ? "," : "") + "\"a\"";
    ids += "]";
    Failure f = Fail("{\"deployments\":{\"name\":{\"any_\":" + ids + "}}}");
    EXPECT_EQ(f.sqlstate, "54000");
    EXPECT_EQ(f.path, "deployments.name.any_");
    // a huge unknown key is shortened in the path, so the reason still fits the message
    f = Fail("{\"deployments\":{\"" + std::string(2000, 'k') + "\":1}}");
    EXPECT_EQ(f.path, "deployments." + std::string(64, 'k') + "...");
    pf::ErrorPod err;
    pf::RunGuarded(&err, [] {
        pf::Compile("{\"deployments\":{\"" + std::string(2000, 'k') + "\":1}}", pf::Endpoint::kFilter,
                    pf::CompileOptions{});
    });
    EXPECT_NE(std::string(err.message).find("unknown field for DeploymentFilter"), std::string::npos);
}

namespace {
int polls = 0;
bool StopAfterFewPolls() {
    return ++polls > 2;
}
}  // namespace

TEST(Door, PendingCancelStopsTheCompiler) {
    std::string ids = "[";
    for (int i = 0; i < 50000; ++i) ids += std::string(i ? "," : "") + "\"00000000-0000-0000-0000-000000000000\"";
    ids += "]";
    pf::CompileOptions options;
    options.interrupted = StopAfterFewPolls;
    pf::ErrorPod err;
    polls = 0;
    EXPECT_FALSE(pf::RunGuarded(&err, [&] {
        pf::Compile("{\"deployments\":{\"id\":{\"any_\":" + ids + "}}}", pf::Endpoint::kFilter, options);
    }));
    EXPECT_STREQ(err.sqlstate, "57014");
    EXPECT_GT(polls, 2);
}
