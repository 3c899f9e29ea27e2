// The DestReceivers (SPI_execute_plan_extended's dest) that the page statement and the related
// loads run into. Each renders its rows as they arrive, by a ResponseShape: no copy of the wide
// rows into an SPI tuple table, and one row's detoasted values are freed before the next row.
//
// A page row's JSON depends on related rows that are only known once the whole page is, so it
// is kept as a fragment with a hole per related field; a related row is kept as a piece under
// its key, with one part per field that reads its load. render_page.cpp joins them.
#pragma once
#include "pg/render_cache.hpp"
#include "pg/response_shape.hpp"

namespace prefect_filter {

struct PageRow {
    int start;  // text[start, end): the fragment
    int end;
    int hole[kMaxRelatedFields];          // where related field h's value goes (an offset in text)
    int fallback_end[kMaxRelatedFields];  // text[fallback_end[h - 1] (h = 0: end), fallback_end[h]):
                                          // field h's fallback column, written (empty without one)
    pg_uuid_t key[kMaxLoads];             // each load's key (its page_key_column)
    bool has_key[kMaxLoads];
};

struct RelatedPiece {
    pg_uuid_t key;
    int part[kMaxFieldsPerLoad + 1];  // text[part[i], part[i + 1]): the value of the load's field i
};

// A related load's rows as pieces, in key order (the load's ORDER BY).
struct RelatedRows {
    DestReceiver pub;  // first: PostgreSQL sees a DestReceiver
    const RelatedLoad *load;
    const ResponseField *part_field[kMaxFieldsPerLoad];  // the fields that read this load, in shape order
    int part_count;
    StringInfo text;
    RelatedPiece *pieces;
    uint64 count;
    uint64 capacity;
    MemoryContext call_context;  // where text and pieces live
    MemoryContext row_context;   // the page's: reset per row
    bool use_cache;              // the page's, and the load has a cache_id_column
    TupleDesc desc;              // the load's columns (set at its start)
    RowKey key;                  // the current row's key (its buffer reused per row)

    // The first piece whose key is `key` (binary search), or `count` when there is none.
    uint64 Find(const pg_uuid_t *key) const {
        uint64 lo = 0, hi = count;
        while (lo < hi) {
            uint64 mid = lo + (hi - lo) / 2;
            if (memcmp(pieces[mid].key.data, key->data, UUID_LEN) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return KeyAt(lo, key) ? lo : count;
    }
    bool KeyAt(uint64 i, const pg_uuid_t *key) const {
        return i < count && memcmp(pieces[i].key.data, key->data, UUID_LEN) == 0;
    }
};

// A page: its rows as fragments in page order (the statement's ORDER BY), then their related rows.
struct RenderedPage {
    DestReceiver pub;  // first: PostgreSQL sees a DestReceiver
    const ResponseShape *shape;
    int related_count;
    const ResponseField *related_field[kMaxRelatedFields];  // hole h's field (the shape's related fields, in order)
    int related_part[kMaxRelatedFields];                    // its part in its load's pieces
    StringInfo text;
    PageRow *rows;
    uint64 count;
    uint64 capacity;
    MemoryContext call_context;             // where text, rows and the related rows live
    MemoryContext row_context;              // a row's detoasted values (page and loads); reset per row
    const RelatedRows *related[kMaxLoads];  // per load, once it ran
    bool use_cache;                         // render_cache.hpp: rows found there are not rendered again
    TupleDesc desc;                         // the page statement's columns (set at its start)
    RowKey key;                             // the current row's key (its buffer reused per row)
};

// A page to run the page statement into, in the current memory context.
RenderedPage *CreateRenderedPage(const ResponseShape *shape);

// The receiver for the page's related load `load` (an index into its shape's loads).
RelatedRows *CreateRelatedRows(const RenderedPage *page, int load);

}  // namespace prefect_filter
