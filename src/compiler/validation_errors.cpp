// A body's Issues as FastAPI's 422 body: what prefect.deployments_validation_errors returns and
// what the HTTP server wraps into Prefect's answer (query.hpp, ValidationErrorsJson).
#include "compiler/filter_tree.hpp"
#include "compiler/query.hpp"

#include "formats/cpp_only.hpp"  // last: proves no PostgreSQL header came in

namespace prefect_filter {

namespace {

// pydantic's error object: type, loc (with FastAPI's leading "body"), msg, input[, ctx].
Json ErrorObject(const Issue &issue) {
    Json loc = Json::array({"body"});
    for (const JsonPath::Segment &segment : issue.loc.Segments()) {
        if (const auto *key = std::get_if<std::string>(&segment))
            loc.push_back(*key);
        else
            loc.push_back(std::get<size_t>(segment));
    }
    Json error = Json::object();
    error["type"] = issue.type;
    error["loc"] = std::move(loc);
    error["msg"] = issue.msg;
    error["input"] = issue.input ? *issue.input : Json(nullptr);
    if (!issue.ctx.is_null()) error["ctx"] = issue.ctx;
    return error;
}

}  // namespace

std::string ValidationErrorsJson(std::string_view body_json, Endpoint endpoint, const CompileOptions &options) {
    Issues issues(/*stop_at_first=*/false);
    Json body;
    RequestTree tree;
    ReadRequest(body_json, endpoint, options, issues, &body, &tree);
    Json out = Json::object();
    if (!issues.Empty() && issues.All().front().http_exception) {
        out["detail"] = issues.All().front().msg;
    } else {
        Json list = Json::array();
        for (const Issue &issue : issues.All()) list.push_back(ErrorObject(issue));
        out["detail"] = std::move(list);
    }
    return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace prefect_filter
