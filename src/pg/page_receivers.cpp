// The page's and the related loads' DestReceivers (see page_receivers.hpp).
#include "pg/page_receivers.hpp"

namespace prefect_filter {

namespace {

// Receivers need no start-of-run or end-of-run work beyond the column check.
void NoReceiverCleanup(DestReceiver *) {}

void InitReceiver(DestReceiver *pub, bool (*receive)(TupleTableSlot *, DestReceiver *),
                  void (*startup)(DestReceiver *, int, TupleDesc)) {
    pub->receiveSlot = receive;
    pub->rStartup = startup;
    pub->rShutdown = NoReceiverCleanup;
    pub->rDestroy = NoReceiverCleanup;
    pub->mydest = DestNone;
}

// Room for one more item in a palloc'd array that doubles (first allocation in `context`).
template <typename T>
T *Grow(T *items, uint64 count, uint64 *capacity, MemoryContext context) {
    if (count < *capacity) return items;
    *capacity = *capacity ? *capacity * 2 : 64;
    return items ? static_cast<T *>(repalloc(items, *capacity * sizeof(T)))
                 : static_cast<T *>(MemoryContextAlloc(context, *capacity * sizeof(T)));
}

// The field's value from `column` of a row: its writer, or its text for NULL.
inline void WriteColumn(StringInfo out, const ResponseField &f, const Datum *values, const bool *nulls, int column) {
    if (nulls[column])
        appendStringInfoString(out, f.if_null);
    else
        f.write_value(out, values[column]);
}

// The row's JSON object, with a hole where each related field's value goes.
void WriteFragment(StringInfo out, const ResponseShape &shape, const Datum *values, const bool *nulls, PageRow *row) {
    appendStringInfoCharMacro(out, '{');
    int hole = 0;
    for (int i = 0; i < shape.field_count; ++i) {
        const ResponseField &f = shape.fields[i];
        int comma = i == 0 ? 1 : 0;  // the first key goes without its comma
        appendBinaryStringInfo(out, f.key.text + comma, f.key.len - comma);
        switch (f.source) {
            case FieldSource::kColumn: WriteColumn(out, f, values, nulls, f.column); break;
            case FieldSource::kFixed: appendStringInfoString(out, f.if_null); break;
            case FieldSource::kRelated: row->hole[hole++] = out->len; break;
        }
    }
    appendStringInfoCharMacro(out, '}');
}

// A row's end, holes and fallback ends relative to its start (the cache's form), and back.
void GetRowOffsets(const RenderedPage *page, const PageRow &row, int *offsets) {
    offsets[0] = row.end - row.start;
    for (int h = 0; h < page->related_count; ++h) {
        offsets[1 + h] = row.hole[h] - row.start;
        offsets[1 + kMaxRelatedFields + h] = row.fallback_end[h] - row.start;
    }
}

void SetRowOffsets(const RenderedPage *page, const int *offsets, PageRow *row) {
    row->end = row->start + offsets[0];
    for (int h = 0; h < page->related_count; ++h) {
        row->hole[h] = row->start + offsets[1 + h];
        row->fallback_end[h] = row->start + offsets[1 + kMaxRelatedFields + h];
    }
}

bool ReceivePageRow(TupleTableSlot *slot, DestReceiver *self) {
    auto *page = reinterpret_cast<RenderedPage *>(self);
    const ResponseShape &shape = *page->shape;
    page->rows = Grow(page->rows, page->count, &page->capacity, page->call_context);
    slot_getallattrs(slot);  // deform once, not per column
    const Datum *values = slot->tts_values;
    const bool *nulls = slot->tts_isnull;
    if (nulls[shape.id_column]) elog(ERROR, "prefect_filter: %s without id", shape.row_name);
    PageRow *row = &page->rows[page->count++];
    for (int l = 0; l < shape.load_count; ++l) {
        int column = shape.loads[l].page_key_column;
        row->has_key[l] = !nulls[column];
        if (!nulls[column]) row->key[l] = *DatumGetUUIDP(values[column]);
    }

    StringInfo out = page->text;
    row->start = out->len;
    bool keyed = page->use_cache && BuildRowKey(&page->key, page->desc, values, nulls, shape.id_column);
    if (keyed) {
        if (const CachedRow *hit = RenderCacheFind(&shape, page->key)) {
            appendBinaryStringInfo(out, hit->text, hit->len);
            SetRowOffsets(page, hit->offsets, row);
            CHECK_FOR_INTERRUPTS();
            return true;
        }
    }

    MemoryContext old = MemoryContextSwitchTo(page->row_context);
    WriteFragment(out, shape, values, nulls, row);
    row->end = out->len;
    // The fallbacks, for when a related row is not found: the page row is gone by then.
    for (int h = 0; h < page->related_count; ++h) {
        const ResponseField &f = *page->related_field[h];
        if (f.fallback_column != kNoColumn) WriteColumn(out, f, values, nulls, f.fallback_column);
        row->fallback_end[h] = out->len;
    }
    MemoryContextSwitchTo(old);
    MemoryContextReset(page->row_context);
    if (keyed) {
        CachedRow rendered;
        rendered.text = out->data + row->start;
        rendered.len = out->len - row->start;
        GetRowOffsets(page, *row, rendered.offsets);
        RenderCacheAdd(&shape, page->key, rendered);
    }
    CHECK_FOR_INTERRUPTS();
    return true;
}

void StartPage(DestReceiver *self, int, TupleDesc typeinfo) {
    auto *page = reinterpret_cast<RenderedPage *>(self);
    if (typeinfo->natts != page->shape->column_count)
        elog(ERROR, "prefect_filter: page statement returns %d columns, expected %d", typeinfo->natts,
             page->shape->column_count);
    page->desc = typeinfo;
}

bool ReceiveRelatedRow(TupleTableSlot *slot, DestReceiver *self) {
    auto *r = reinterpret_cast<RelatedRows *>(self);
    r->pieces = Grow(r->pieces, r->count, &r->capacity, r->call_context);
    slot_getallattrs(slot);
    const Datum *values = slot->tts_values;
    const bool *nulls = slot->tts_isnull;
    int key_column = r->load->key_column;
    if (nulls[key_column]) elog(ERROR, "prefect_filter: related row without its key");
    RelatedPiece *piece = &r->pieces[r->count++];
    piece->key = *DatumGetUUIDP(values[key_column]);

    StringInfo out = r->text;
    piece->part[0] = out->len;
    bool keyed = r->use_cache && BuildRowKey(&r->key, r->desc, values, nulls, r->load->cache_id_column);
    if (keyed) {
        if (const CachedRow *hit = RenderCacheFind(r->load, r->key)) {
            appendBinaryStringInfo(out, hit->text, hit->len);
            for (int i = 0; i < r->part_count; ++i) piece->part[i + 1] = piece->part[0] + hit->offsets[i];
            return true;
        }
    }

    MemoryContext old = MemoryContextSwitchTo(r->row_context);
    for (int i = 0; i < r->part_count; ++i) {
        const ResponseField &f = *r->part_field[i];
        if (f.column == kWholeRow)
            f.write_row(out, values, nulls);
        else
            WriteColumn(out, f, values, nulls, f.column);
        piece->part[i + 1] = out->len;
    }
    MemoryContextSwitchTo(old);
    MemoryContextReset(r->row_context);
    if (keyed) {
        CachedRow rendered;
        rendered.text = out->data + piece->part[0];
        rendered.len = out->len - piece->part[0];
        for (int i = 0; i < r->part_count; ++i) rendered.offsets[i] = piece->part[i + 1] - piece->part[0];
        RenderCacheAdd(r->load, r->key, rendered);
    }
    return true;
}

void StartRelated(DestReceiver *self, int, TupleDesc typeinfo) {
    auto *r = reinterpret_cast<RelatedRows *>(self);
    if (typeinfo->natts != r->load->column_count)
        elog(ERROR, "prefect_filter: related load returns %d columns, expected %d", typeinfo->natts,
             r->load->column_count);
    r->desc = typeinfo;
}

}  // namespace

RenderedPage *CreateRenderedPage(const ResponseShape *shape) {
    auto *page = static_cast<RenderedPage *>(palloc0(sizeof(RenderedPage)));
    InitReceiver(&page->pub, ReceivePageRow, StartPage);
    page->shape = shape;
    int parts[kMaxLoads] = {};
    for (int i = 0; i < shape->field_count; ++i) {
        const ResponseField &f = shape->fields[i];
        if (f.source != FieldSource::kRelated) continue;
        page->related_field[page->related_count] = &f;
        page->related_part[page->related_count] = parts[f.load]++;
        page->related_count++;
    }
    page->text = makeStringInfo();
    page->call_context = CurrentMemoryContext;
    page->row_context = AllocSetContextCreate(CurrentMemoryContext, "prefect_filter row", ALLOCSET_DEFAULT_SIZES);
    page->use_cache = RenderCacheOn();
    if (page->use_cache) initStringInfo(&page->key.bytes);
    return page;
}

RelatedRows *CreateRelatedRows(const RenderedPage *page, int load) {
    auto *r = static_cast<RelatedRows *>(palloc0(sizeof(RelatedRows)));
    InitReceiver(&r->pub, ReceiveRelatedRow, StartRelated);
    r->load = &page->shape->loads[load];
    for (int h = 0; h < page->related_count; ++h)  // in the same order as the page's related_part
        if (page->related_field[h]->load == load) r->part_field[r->part_count++] = page->related_field[h];
    r->text = makeStringInfo();
    r->call_context = page->call_context;
    r->row_context = page->row_context;
    r->use_cache = page->use_cache && r->load->cache_id_column != kNoColumn;
    if (r->use_cache) initStringInfo(&r->key.bytes);
    return r;
}

}  // namespace prefect_filter
