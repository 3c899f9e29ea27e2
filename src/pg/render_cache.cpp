// The per-backend cache of rendered rows (see render_cache.hpp).
#include "pg/render_cache.hpp"

extern "C" {
#include "lib/ilist.h"
#include "utils/hsearch.h"
}

namespace prefect_filter {

int render_cache_size_kb = 49152;

namespace {

// One cached row, allocated with its key bytes and text behind it in one chunk.
struct Entry {
    uint64 hash;  // first: the dynahash key (HASH_BLOBS over 8 bytes)
    RenderOwner owner;
    dlist_node lru;  // head: most recently used
    int key_len;
    CachedRow row;
    Size bytes;  // the chunk's size, as counted against the budget
    // then: key bytes, then text
    char *key() { return reinterpret_cast<char *>(this + 1); }
};

// The dynahash slot: an id's hash maps to at most one entry (another version of the row, or a
// row whose id has the same 64-bit hash, replaces it: a miss, never a wrong hit, since hits
// compare the bytes).
struct Slot {
    uint64 hash;
    Entry *entry;
};

MemoryContext cache_context = nullptr;
HTAB *table = nullptr;
dlist_head lru = DLIST_STATIC_INIT(lru);
Size used_bytes = 0;
uint64 entries = 0;
uint64 hits = 0;
uint64 misses = 0;
uint64 evictions = 0;

Size Budget() {
    return static_cast<Size>(render_cache_size_kb) * 1024;
}

void Reset() {
    if (cache_context != nullptr) MemoryContextDelete(cache_context);
    cache_context = nullptr;
    table = nullptr;
    dlist_init(&lru);
    used_bytes = 0;
    entries = 0;
}

void Init() {
    // Small blocks, so that AllocSet's chunk limit is 512 bytes: an entry larger than that (a
    // deployment's, a schedule's) is its own allocation of its own size, instead of a chunk
    // rounded up to the next power of two (doc/design.md, "Caching rendered rows").
    cache_context = AllocSetContextCreate(TopMemoryContext, "prefect_filter render cache", 0, 4 * 1024, 4 * 1024);
    HASHCTL ctl;
    memset(&ctl, 0, sizeof(ctl));
    ctl.keysize = sizeof(uint64);
    ctl.entrysize = sizeof(Slot);
    ctl.hcxt = cache_context;
    table = hash_create("prefect_filter render cache", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    dlist_init(&lru);
}

void Remove(Entry *e) {
    bool found;
    hash_search(table, &e->hash, HASH_REMOVE, &found);
    dlist_delete(&e->lru);
    used_bytes -= e->bytes;
    --entries;
    pfree(e);
}

void EvictUntilRoomFor(Size bytes) {
    while (used_bytes + bytes > Budget() && !dlist_is_empty(&lru)) {
        dlist_node *tail = dlist_tail_node(&lru);
        Remove(reinterpret_cast<Entry *>(reinterpret_cast<char *>(tail) - offsetof(Entry, lru)));
        ++evictions;
    }
}

template <typename T>
void AppendRaw(StringInfo out, const T &v) {
    appendBinaryStringInfo(out, reinterpret_cast<const char *>(&v), sizeof(T));
}

}  // namespace

bool RenderCacheOn() {
    if (render_cache_size_kb > 0) {
        if (table != nullptr) EvictUntilRoomFor(0);  // the size may have been lowered since
        return true;
    }
    if (cache_context != nullptr) Reset();
    return false;
}

// Per column: a tag (0 null, 1 by value, 2 fixed length, 3 varlena), then its bytes (a varlena
// with its header, so compressed and plain forms of one value differ: a miss, never a wrong hit).
bool BuildRowKey(RowKey *key, TupleDesc desc, const Datum *values, const bool *nulls, int id_column) {
    StringInfo out = &key->bytes;
    resetStringInfo(out);
    for (int i = 0; i < desc->natts; ++i) {
        Form_pg_attribute att = TupleDescAttr(desc, i);
        if (nulls[i]) {
            appendStringInfoCharMacro(out, '\0');
        } else if (att->attbyval) {
            appendStringInfoCharMacro(out, '\1');
            AppendRaw(out, values[i]);
        } else if (att->attlen > 0) {
            appendStringInfoCharMacro(out, '\2');
            appendBinaryStringInfo(out, DatumGetPointer(values[i]), att->attlen);
        } else if (att->attlen == -1) {
            const char *v = DatumGetPointer(values[i]);
            if (VARATT_IS_EXTERNAL(v)) return false;  // a TOAST pointer (or expanded): not the value
            appendStringInfoCharMacro(out, '\3');
            uint32 len = VARSIZE_ANY(v);
            AppendRaw(out, len);
            appendBinaryStringInfo(out, v, static_cast<int>(len));
        } else {
            return false;  // cstring: not in any response shape
        }
    }
    key->hash = hash_bytes_extended(DatumGetUUIDP(values[id_column])->data, UUID_LEN, 0);
    return true;
}

const CachedRow *RenderCacheFind(RenderOwner owner, const RowKey &key) {
    if (table == nullptr) return nullptr;
    bool found;
    auto *slot = static_cast<Slot *>(hash_search(table, &key.hash, HASH_FIND, &found));
    Entry *e = found ? slot->entry : nullptr;
    if (e == nullptr || e->owner != owner || e->key_len != key.bytes.len ||
        memcmp(e->key(), key.bytes.data, static_cast<size_t>(key.bytes.len)) != 0) {
        ++misses;
        return nullptr;
    }
    ++hits;
    dlist_move_head(&lru, &e->lru);
    return &e->row;
}

void RenderCacheAdd(RenderOwner owner, const RowKey &key, const CachedRow &row) {
    Size bytes = sizeof(Entry) + static_cast<Size>(key.bytes.len) + static_cast<Size>(row.len);
    if (bytes > Budget() / 4) return;  // one row never takes more than a quarter of the cache
    if (table == nullptr) Init();
    bool found;
    auto *slot = static_cast<Slot *>(hash_search(table, &key.hash, HASH_FIND, &found));
    if (found) Remove(slot->entry);  // the row's older version (or a hash twin, or another owner's row)
    EvictUntilRoomFor(bytes);
    // Allocate before entering the slot: if palloc fails (ERROR), the table is unchanged.
    auto *e = static_cast<Entry *>(MemoryContextAlloc(cache_context, bytes));
    e->hash = key.hash;
    e->owner = owner;
    e->key_len = key.bytes.len;
    // Counted as the memory the chunk takes (the allocator rounds small chunks up to a power of
    // two, up to twice the bytes asked for), so the budget bounds what the cache really holds.
    e->bytes = GetMemoryChunkSpace(e);
    memcpy(e->key(), key.bytes.data, static_cast<size_t>(key.bytes.len));
    char *text = e->key() + key.bytes.len;
    memcpy(text, row.text, static_cast<size_t>(row.len));
    e->row = row;
    e->row.text = text;
    slot = static_cast<Slot *>(hash_search(table, &key.hash, HASH_ENTER, &found));
    slot->entry = e;
    dlist_push_head(&lru, &e->lru);
    used_bytes += e->bytes;
    ++entries;
    EvictUntilRoomFor(0);  // the rounding may have taken it past the budget (never this entry:
                           // it is at most half the budget, and the most recently used)
}

char *RenderCacheStatsJson() {
    return psprintf("{\"size_limit_bytes\":" UINT64_FORMAT ",\"bytes\":" UINT64_FORMAT ",\"entries\":" UINT64_FORMAT
                    ",\"hits\":" UINT64_FORMAT ",\"misses\":" UINT64_FORMAT ",\"evictions\":" UINT64_FORMAT "}",
                    static_cast<uint64>(Budget()), static_cast<uint64>(used_bytes), entries, hits, misses, evictions);
}

}  // namespace prefect_filter
