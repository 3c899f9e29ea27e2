// Validation errors as values: ValidationErrorsJson lists every error in Prefect's order, and
// Compile raises the first of them with our SQLSTATE and message.
#include "compiler/query.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace pf = prefect_filter;
using OJson = nlohmann::ordered_json;

namespace {

OJson Errors(const std::string &body, pf::Endpoint endpoint = pf::Endpoint::kFilter,
             pf::DatetimeParsing datetime = pf::DatetimeParsing::kPendulum) {
    pf::CompileOptions options;
    options.datetime_parsing = datetime;
    return OJson::parse(pf::ValidationErrorsJson(body, endpoint, options))["detail"];
}

std::vector<std::string> Locs(const OJson &detail) {
    std::vector<std::string> out;
    for (const OJson &e : detail) out.push_back(e["type"].get<std::string>() + " " + e["loc"].dump());
    return out;
}

std::string FirstSqlError(const std::string &body, pf::Endpoint endpoint = pf::Endpoint::kFilter) {
    try {
        pf::Compile(body, endpoint, pf::CompileOptions{});
    } catch (const pf::FilterError &e) {
        return std::string(e.SqlState()) + " " + e.what();
    }
    return "no error";
}

}  // namespace

TEST(ValidationErrors, ValidBodyListsNothing) {
    EXPECT_EQ(Errors("{}"), OJson::array());
    EXPECT_EQ(Errors(""), OJson::array());
    EXPECT_EQ(Errors(R"({"deployments":{"name":{"any_":["a"]}},"sort":"CREATED_DESC","junk":1})"), OJson::array());
}

TEST(ValidationErrors, EveryErrorInPydanticsOrder) {
    const std::string body =
        R"({"sort":5,"zz":1,"deployments":{"zzz":1,"id":{"any_":["bad",3]},"operator":"xor","aaa":2},)"
        R"("offset":-1,"limit":"x","flows":{"name":{"like_":5,"any_":"x"}}})";
    std::vector<std::string> want = {
        R"(int_parsing ["body","limit"])",
        R"(greater_than_equal ["body","offset"])",
        R"(list_type ["body","flows","name","any_"])",  // class field order, not the order sent
        R"(string_type ["body","flows","name","like_"])",
        R"(enum ["body","deployments","operator"])",  // operator first
        R"(uuid_parsing ["body","deployments","id","any_",0])",
        R"(uuid_type ["body","deployments","id","any_",1])",
        R"(extra_forbidden ["body","deployments","zzz"])",  // unknown keys last, in the order sent
        R"(extra_forbidden ["body","deployments","aaa"])",
        R"(enum ["body","sort"])",
    };
    EXPECT_EQ(Locs(Errors(body)), want);
    // The SQL functions raise the first of them, with our SQLSTATE and message.
    EXPECT_EQ(FirstSqlError(body), "22P02 limit: \"x\" is not a valid integer");
}

TEST(ValidationErrors, ObjectsInputsAndContexts) {
    OJson d = Errors(R"({"deployments":{"id":{"any_":["not-a-uuid"]}},"offset":-3})");
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(
        d[0].dump(),
        R"({"type":"greater_than_equal","loc":["body","offset"],"msg":"Input should be greater than or equal to 0",)"
        R"("input":-3,"ctx":{"ge":0}})");
    EXPECT_EQ(d[1].dump(),
              R"({"type":"uuid_parsing","loc":["body","deployments","id","any_",0],)"
              R"("msg":"Input should be a valid UUID, invalid character: found `n` at 1","input":"not-a-uuid",)"
              R"("ctx":{"error":"invalid character: found `n` at 1"}})");
}

TEST(ValidationErrors, LimitBodyIsAnHttpExceptionBeforeAnythingElse) {
    pf::CompileOptions options;
    EXPECT_EQ(pf::ValidationErrorsJson(R"({"sort":"x","limit":500,"offset":-1})", pf::Endpoint::kFilter, options),
              R"({"detail":"Invalid limit: must be less than or equal to 200."})");
    // a limit that is not an integer is an ordinary error, and the others follow it
    EXPECT_EQ(Locs(Errors(R"({"sort":"x","limit":"many"})")),
              (std::vector<std::string>{R"(int_parsing ["body","limit"])", R"(enum ["body","sort"])"}));
    // count has no limit: it is not even read
    EXPECT_EQ(Errors(R"({"limit":500})", pf::Endpoint::kCount), OJson::array());
}

TEST(ValidationErrors, BodyThatIsNotAnObjectMissesEveryField) {
    OJson d = Errors("[1]", pf::Endpoint::kCount);
    ASSERT_EQ(d.size(), 6u);
    EXPECT_EQ(d[0].dump(), R"({"type":"missing","loc":["body","flows"],"msg":"Field required","input":null})");
    EXPECT_EQ(FirstSqlError("[1]", pf::Endpoint::kCount),
              "22023 (body): request body must be a JSON object, got an array");
}

TEST(ValidationErrors, DatetimesFollowTheChosenParser) {
    const std::string body = R"({"flow_runs":{"start_time":{"before_":[1],"after_":"garbage"}}})";
    OJson pendulum = Errors(body);
    ASSERT_EQ(pendulum.size(), 2u);
    EXPECT_EQ(pendulum[0].dump(), R"({"type":"value_error","loc":["body","flow_runs","start_time","before_"],)"
                                  R"("msg":"value is not a valid datetime","input":[1]})");
    EXPECT_EQ(pendulum[1]["msg"], "Value error, Unable to parse string [garbage]");
    EXPECT_EQ(pendulum[1]["ctx"].dump(), R"({"error":{}})");
    OJson pydantic = Errors(body, pf::Endpoint::kFilter, pf::DatetimeParsing::kPydantic);
    ASSERT_EQ(pydantic.size(), 2u);
    EXPECT_EQ(pydantic[0]["type"], "datetime_type");
    EXPECT_EQ(pydantic[1]["type"], "datetime_from_date_parsing");
    EXPECT_EQ(pydantic[1]["msg"], "Input should be a valid datetime or date, input is too short");
    // both accept what pydantic accepts
    EXPECT_EQ(Errors(R"({"flow_runs":{"end_time":{"after_":"2024-05-01T10:00:00Z","before_":1700000000}}})"),
              OJson::array());
}

TEST(ValidationErrors, EveryBadListElementIsListed) {
    OJson d = Errors(R"({"flow_runs":{"state":{"type":{"any_":["RUNNING","BAD",7]}}}})", pf::Endpoint::kCount);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0]["loc"].dump(), R"(["body","flow_runs","state","type","any_",1])");
    EXPECT_EQ(d[1]["loc"].dump(), R"(["body","flow_runs","state","type","any_",2])");
    EXPECT_EQ(d[1]["ctx"]["expected"],
              "'SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED' or "
              "'CANCELLING'");
}

TEST(ValidationErrors, FirstSqlErrorIsTheFirstListedError) {
    const char *bodies[] = {
        R"({"deployments":{"b":1,"a":2}})",
        R"({"flows":{"id":{"any_":[1,"x"]}},"deployments":{"x":1}})",
        R"({"work_pools":{"name":{"any_":[1]}},"work_pool_queues":{"id":{"any_":["z"]}}})",
        R"({"sort":"x","offset":"y"})",
    };
    for (const char *body : bodies) {
        OJson first = Errors(body)[0];
        std::string sql = FirstSqlError(body);
        std::string path;
        for (size_t i = 1; i < first["loc"].size(); ++i) {
            const OJson &seg = first["loc"][i];
            if (seg.is_string())
                path += (path.empty() ? "" : ".") + seg.get<std::string>();
            else
                path += "[" + std::to_string(seg.get<size_t>()) + "]";
        }
        EXPECT_EQ(sql.substr(6, path.size() + 1), path + ":") << body << " -> " << sql;
    }
}

TEST(UuidParseError, TheUuidCratesTexts) {
    EXPECT_EQ(pf::UuidParseError("not-a-uuid"), "invalid character: found `n` at 1");
    EXPECT_EQ(pf::UuidParseError("{project_id}"), "invalid character: found `p` at 2");
    EXPECT_EQ(pf::UuidParseError("fake id"), "invalid character: found `k` at 3");
    EXPECT_EQ(pf::UuidParseError("123"), "invalid length: expected length 32 for simple format, found 3");
    EXPECT_EQ(pf::UuidParseError("1234-5678"), "invalid group count: expected 5, found 2");
    EXPECT_EQ(pf::UuidParseError("0000000-0000-0000-0000-000000000000"),
              "invalid group length in group 0: expected 8, found 7");
    EXPECT_EQ(pf::UuidParseError("00000000-0000-0000-0000-0000000000000"),
              "invalid group length in group 4: expected 12, found 13");
}

TEST(ValidationErrors, IntegersBeyondInt64AreLargeNotNegative) {
    // 10**19 is an unsigned 64-bit number: for Prefect a Python int above the limit
    pf::CompileOptions options;
    EXPECT_EQ(pf::ValidationErrorsJson(R"({"limit":10000000000000000000})", pf::Endpoint::kFilter, options),
              R"({"detail":"Invalid limit: must be less than or equal to 200."})");
    EXPECT_EQ(FirstSqlError(R"({"limit":10000000000000000000})"),
              "22023 limit: Invalid limit: must be less than or equal to 200.");
    EXPECT_EQ(
        pf::Compile(R"({"offset":10000000000000000000})", pf::Endpoint::kFilter, options).rows.params[1].int_value,
        INT64_MAX);
}
