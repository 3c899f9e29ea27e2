// pf_vocabulary: prints the compiler's vocabulary (src/compiler/filter_spec.*) as JSON, so that
// the Python tests read the one table instead of copying it (test/vocabulary/vocabulary.py):
//
//   {"top_level": [{"key": "flows", "class": "FlowFilter"}, ...],
//    "classes": [{"name": "FlowFilter", "has_operator": true, "rule": "kDefault",
//                 "fields": [{"key": "id", "kind": "kChild", "child": "FlowFilterId"},
//                            {"key": "any_", "kind": "kUuidAny", "column": "f.id"}, ...]}, ...],
//    "state_types": ["SCHEDULED", ...]}
//
// Classes are listed in the order a walk from the top-level filters first reaches them, keys in
// Prefect's field order. Before printing, it checks the table against the compiler: every key
// of every class (reached through the top-level key that leads to it) compiles, an unknown key
// fails with 22023 naming the class, and `operator` is accepted exactly where has_operator says.
// Exit status 1 (and nothing on stdout) when the check fails.
#include "compiler/error.hpp"
#include "compiler/filter_spec.hpp"
#include "compiler/query.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <iostream>
#include <set>
#include <string>
#include <vector>

namespace pf = prefect_filter;
using OJson = nlohmann::ordered_json;

namespace {

int g_problems = 0;

void Problem(const std::string &what) {
    std::cerr << "pf_vocabulary: " << what << "\n";
    ++g_problems;
}

// {"k1": {"k2": ... inner}} for the key path.
nlohmann::json Nest(const std::vector<std::string> &path, nlohmann::json inner) {
    for (auto it = path.rbegin(); it != path.rend(); ++it) inner = nlohmann::json{{*it, std::move(inner)}};
    return inner;
}

std::string Join(const std::vector<std::string> &path) {
    std::string out;
    for (const auto &k : path) out += (out.empty() ? "" : ".") + k;
    return out;
}

// `word` occurs in `text` as a whole identifier (WorkPoolFilter, not WorkPoolFilterId).
bool ContainsWord(const std::string &text, const std::string &word) {
    auto ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
        size_t end = at + word.size();
        if ((at == 0 || !ident(text[at - 1])) && (end == text.size() || !ident(text[end]))) return true;
    }
    return false;
}

// Compiles {path: inner}; returns "" when it compiles, else "SQLSTATE path: message (detail)".
std::string TryCompile(const std::vector<std::string> &path, nlohmann::json inner) {
    std::string body = Nest(path, std::move(inner)).dump();
    try {
        pf::Compile(body, pf::Endpoint::kCount, pf::CompileOptions{});
        return "";
    } catch (const pf::FilterError &e) {
        return std::string(e.SqlState()) + " " + e.what() + " (" + e.Detail() + ")";
    }
}

void CheckClass(const pf::ClassSpec &cls, const std::vector<std::string> &path) {
    const std::string where = Join(path) + " (" + cls.name + ")";
    for (size_t i = 0; i < cls.field_count; ++i) {
        std::string err = TryCompile(path, nlohmann::json{{cls.fields[i].key, nullptr}});
        if (!err.empty()) Problem(where + ": the compiler rejects the key " + cls.fields[i].key + ": " + err);
    }
    std::string err = TryCompile(path, nlohmann::json{{"pf_vocabulary_unknown_key", nullptr}});
    if (err.rfind("22023 ", 0) != 0 || !ContainsWord(err, cls.name))
        Problem(where + ": an unknown key should fail with 22023 naming " + cls.name +
                ", got: " + (err.empty() ? "no error" : err));
    err = TryCompile(path, nlohmann::json{{"operator", "or_"}});
    if (err.empty() != cls.has_operator)
        Problem(where + ": has_operator is " + (cls.has_operator ? "true" : "false") + " but the compiler " +
                (err.empty() ? "accepts" : "rejects") + " \"operator\"");
}

OJson DescribeClass(const pf::ClassSpec &cls) {
    OJson fields = OJson::array();
    for (size_t i = 0; i < cls.field_count; ++i) {
        const pf::FieldSpec &f = cls.fields[i];
        OJson field = {{"key", f.key}, {"kind", pf::FieldKindName(f.kind)}};
        if (f.kind == pf::FieldKind::kChild)
            field["child"] = f.child->name;
        else
            field["column"] = f.column ? OJson(f.column) : OJson(nullptr);
        fields.push_back(std::move(field));
    }
    return {{"name", cls.name},
            {"has_operator", cls.has_operator},
            {"rule", pf::ClassRuleName(cls.rule)},
            {"fields", std::move(fields)}};
}

void Walk(const pf::ClassSpec &cls, std::vector<std::string> path, std::set<const pf::ClassSpec *> &seen,
          OJson &classes) {
    CheckClass(cls, path);
    if (!seen.insert(&cls).second) return;
    classes.push_back(DescribeClass(cls));
    for (size_t i = 0; i < cls.field_count; ++i) {
        if (cls.fields[i].kind != pf::FieldKind::kChild) continue;
        path.push_back(cls.fields[i].key);
        Walk(*cls.fields[i].child, path, seen, classes);
        path.pop_back();
    }
}

}  // namespace

int main(int argc, char **argv) {
    if (argc > 1) {
        std::cerr << "usage: pf_vocabulary   (prints the filter vocabulary as JSON)\n";
        return 2;
    }
    OJson top = OJson::array();
    OJson classes = OJson::array();
    std::set<const pf::ClassSpec *> seen;
    for (size_t i = 0; i < pf::kTopLevelFilterCount; ++i) {
        const pf::TopLevelFilter &t = pf::kTopLevelFilters[i];
        top.push_back({{"key", t.key}, {"class", t.spec->name}});
        Walk(*t.spec, {t.key}, seen, classes);
    }
    OJson states = OJson::array();
    for (size_t i = 0; i < pf::kStateTypeCount; ++i) states.push_back(pf::kStateTypes[i]);
    if (g_problems) {
        std::cerr << "pf_vocabulary: " << g_problems << " disagreement(s) between filter_spec and the compiler\n";
        return 1;
    }
    std::cout << OJson{{"top_level", std::move(top)},
                       {"classes", std::move(classes)},
                       {"state_types", std::move(states)}}
                     .dump(1)
              << "\n";
    return 0;
}
