// The renderer's seam: a response model as data. A ResponseShape lists the model's keys in
// order and, for each, where its value comes from and which writer writes it:
//   - a column of the page statement (Column),
//   - a related load: the rows of another table that the page's keys select, one statement per
//     load for the whole page (RelatedRow, RelatedColumn),
//   - a fixed text (Fixed).
// The page renderer (page_receivers.cpp, render_page.cpp) reads only this, so a field is one
// entry plus, if no existing writer fits, its writer; another resource is another shape
// (deployment_response.cpp is DeploymentResponse's; doc/design.md "The renderer's seam").
#pragma once
#include "pg/pg_includes.hpp"

#include "compiler/query.hpp"

namespace prefect_filter {

// Writes one non-NULL value (a page column, or a column of a related row).
using ValueWriter = void (*)(StringInfo out, Datum value);
// Writes a whole related row (its deformed values and null flags, in its load's column order).
using RowWriter = void (*)(StringInfo out, const Datum *values, const bool *nulls);

// `,"key":` as written before the key's value, measured at compile time (the first key is
// written without its comma, after the `{`).
struct FieldKey {
    const char *text;
    int len;
};
#define PF_FIELD_KEY(name)                                               \
    ::prefect_filter::FieldKey {                                         \
        ",\"" name "\":", static_cast<int>(sizeof(",\"" name "\":") - 1) \
    }

enum class FieldSource : uint8 { kColumn, kRelated, kFixed };

constexpr int kNoColumn = -1;
constexpr int kWholeRow = -2;

struct ResponseField {
    FieldKey key;
    FieldSource source;
    int column;               // kColumn: the page column; kRelated: the related row's column, or kWholeRow
    ValueWriter write_value;  // for `column`
    RowWriter write_row;      // kRelated with kWholeRow
    const char *if_null;      // kColumn: the text for NULL; kRelated: for NULL or no related row
                              // (without fallback_column); kFixed: the text
    int load;                 // kRelated: index into the shape's loads
    int fallback_column;      // kRelated: the page column written (write_value / if_null) when
                              // the page row has no related row; kNoColumn: if_null instead
};

constexpr ResponseField Column(FieldKey key, int column, ValueWriter write, const char *if_null = "null") {
    return {key, FieldSource::kColumn, column, write, nullptr, if_null, -1, kNoColumn};
}

constexpr ResponseField Fixed(FieldKey key, const char *text) {
    return {key, FieldSource::kFixed, kNoColumn, nullptr, nullptr, text, -1, kNoColumn};
}

// The related row written whole; from a load with `many`, all the key's rows as a JSON array.
constexpr ResponseField RelatedRow(FieldKey key, int load, RowWriter write, const char *if_missing = "null") {
    return {key, FieldSource::kRelated, kWholeRow, nullptr, write, if_missing, load, kNoColumn};
}

// One column of the related row; without a related row, the page's `fallback_column` if given.
constexpr ResponseField RelatedColumn(FieldKey key, int load, int column, ValueWriter write,
                                      int fallback_column = kNoColumn) {
    return {key, FieldSource::kRelated, column, write, nullptr, "null", load, fallback_column};
}

// A related load: the statement that fetches, for the whole page at once, the rows of another
// table whose key (a uuid) is one of the page's keys.
struct RelatedLoad {
    std::string RelatedStatements::*sql;  // its statement in the compiled request; $1 = the keys (uuid[])
    int page_key_column;                  // the page column holding the key (NULL: no related row)
    int key_column;                       // the load's column holding the key; rows come ordered by it
    int column_count;                     // the load's columns
    bool many;                            // any number of rows per key (in the load's order), else at most one
    int cache_id_column;                  // the load's column naming a row (never NULL, unique), whose
                                          // renderings the render cache keeps (render_cache.hpp);
                                          // kNoColumn: rows too small to be worth a lookup
};

struct ResponseShape {
    const char *row_name;  // in error messages
    int column_count;      // the page statement's columns
    int id_column;         // a page column that is never NULL
    const ResponseField *fields;
    int field_count;
    const RelatedLoad *loads;
    int load_count;
};

// The renderer keeps per page row a fixed-size record of its related fields and keys, so a
// shape must fit these (FitsRenderer, checked at compile time).
constexpr int kMaxRelatedFields = 8;
constexpr int kMaxLoads = 4;
constexpr int kMaxFieldsPerLoad = 4;

// Also checks that every column named is one of its statement's. (Writers are not checked here:
// comparing a function's address with null is not a constant expression for every compiler
// setting, e.g. under the sanitizers; the table's constructors always take one.)
constexpr bool FitsRenderer(const ResponseShape &shape) {
    auto page_column = [&](int c) { return c >= 0 && c < shape.column_count; };
    if (shape.load_count > kMaxLoads || !page_column(shape.id_column)) return false;
    for (int i = 0; i < shape.load_count; ++i) {
        const RelatedLoad &l = shape.loads[i];
        if (!page_column(l.page_key_column) || l.key_column < 0 || l.key_column >= l.column_count) return false;
        if (l.cache_id_column != kNoColumn && (l.cache_id_column < 0 || l.cache_id_column >= l.column_count))
            return false;
    }
    int related = 0;
    int per_load[kMaxLoads] = {};
    for (int i = 0; i < shape.field_count; ++i) {
        const ResponseField &f = shape.fields[i];
        switch (f.source) {
            case FieldSource::kColumn:
                if (!page_column(f.column)) return false;
                break;
            case FieldSource::kFixed: break;
            case FieldSource::kRelated:
                if (f.load < 0 || f.load >= shape.load_count) return false;
                if (f.column != kWholeRow && (f.column < 0 || f.column >= shape.loads[f.load].column_count))
                    return false;
                if (f.fallback_column != kNoColumn && !page_column(f.fallback_column)) return false;
                if (++per_load[f.load] > kMaxFieldsPerLoad) return false;
                ++related;
                break;
        }
    }
    return related <= kMaxRelatedFields;
}

}  // namespace prefect_filter
