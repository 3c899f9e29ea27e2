// A page of a response, as the statements that make it: the page statement (its rows rendered
// as they arrive), the related loads for the page's keys, and the join of the two into
// `[{...},{...}]`. Generic over the response (response_shape.hpp); runs inside SPI, read-only,
// in the caller's snapshot.
#pragma once
#include "pg/page_receivers.hpp"

namespace prefect_filter {

// Runs the page statement (columns in `shape`'s column order), rendering each row; `resolved`
// as for RunStatement.
RenderedPage *RunPage(const ResponseShape &shape, const Statement &statement, const char *schema,
                      const Datum *resolved);

// Runs the shape's related loads for the page's keys: none when the page is empty, and not a
// load whose key no row of the page has.
void LoadRelated(RenderedPage *page, const RelatedStatements &statements);

// Appends the page as a JSON array, in page order, with each row's related values filled in.
void JoinPage(StringInfo out, const RenderedPage *page);

}  // namespace prefect_filter
