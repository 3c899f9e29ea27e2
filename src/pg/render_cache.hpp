// The rendered rows of earlier calls (page rows, and the rows of the related loads that ask for
// it), kept per backend and keyed by the row's own bytes.
//
// A page row's JSON fragment (with its holes and fallback texts, page_receivers.hpp) is a pure
// function of the values of its page columns: the writers read nothing else (no setting, no
// clock, no other table; the related fields are holes, filled per call). So is a related row's
// piece, of its load's columns. So the cache key is the values themselves, as stored: a hit
// needs every column byte-equal to the row that was rendered (the row's id only finds the
// candidate; memcmp decides), and then the text is the one rendering would write. No snapshot, transaction or tuple
// version is involved, so it can never be stale under MVCC: a row another session updated has other bytes and misses;
// an older version a REPEATABLE READ snapshot still sees has its own bytes, so it hits only while the id's one entry
// holds that version, and is rendered otherwise. Values stored out of line (TOAST pointers) are not keys (a pointer
// names, it does not hold, the value, and TOAST value ids are reused): such rows are rendered every time.
//
// Memory: at most prefect_filter.render_cache_size kB of entries per backend, each counted as
// the memory its allocation takes (0 turns the cache off), least recently used entries evicted
// first. doc/design.md, "Caching rendered rows".
#pragma once
#include "pg/response_shape.hpp"

namespace prefect_filter {

// GUC prefect_filter.render_cache_size (kB)
extern int render_cache_size_kb;

// A row as the cache sees it: its key bytes, and the hash of its id, which finds the entry
// (one entry per id: a row's newer version replaces its older one). Hashing the id instead of
// the ~1.5 KB of key bytes keeps the lookup off the row's size; the bytes are still compared
// in full.
struct RowKey {
    StringInfoData bytes;  // reused across rows of a page
    uint64 hash;
};

// The cached rendering of a row. A page row: `text` is its fragment followed by its fallback
// texts; `offsets` are PageRow's end, hole[] and fallback_end[] relative to the fragment's
// start. A related row: `text` is its piece, `offsets` the ends of its parts.
constexpr int kMaxRowOffsets = 1 + 2 * kMaxRelatedFields;
struct CachedRow {
    const char *text;
    int len;
    int offsets[kMaxRowOffsets];
};
static_assert(kMaxFieldsPerLoad <= kMaxRowOffsets, "a related row's part ends fit a CachedRow");

// Whether the cache is on (its size is not 0); when it was turned off, frees what it held.
bool RenderCacheOn();

// Builds `key` from a row's values in `desc`'s column order; `id_column` (never NULL, a uuid)
// gives its hash. False when a value is stored out of line (then the row has no key).
bool BuildRowKey(RowKey *key, TupleDesc desc, const Datum *values, const bool *nulls, int id_column);

// Whose rendering an entry is: a shape's page rows, or one of its related loads' rows (the
// writers that rendered it; one entry never answers for the other).
using RenderOwner = const void *;

// The row rendered by `owner` with exactly these bytes, or nullptr. A hit becomes the most
// recently used entry. The result is valid until the next insert.
const CachedRow *RenderCacheFind(RenderOwner owner, const RowKey &key);

// Keeps the rendering of a row (copied), evicting the least recently used entries as needed.
void RenderCacheAdd(RenderOwner owner, const RowKey &key, const CachedRow &row);

// Per-backend counters and size, as JSON, for prefect.render_cache_stats().
char *RenderCacheStatsJson();

}  // namespace prefect_filter
