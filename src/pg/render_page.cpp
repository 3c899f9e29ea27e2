// Page, related loads, join (see render_page.hpp and page_receivers.hpp).
#include "pg/render_page.hpp"

#include "pg/spi_run.hpp"

namespace prefect_filter {

namespace {

int CompareUuidDatums(const void *a, const void *b) {
    return memcmp(DatumGetUUIDP(*static_cast<const Datum *>(a)), DatumGetUUIDP(*static_cast<const Datum *>(b)),
                  UUID_LEN);
}

// The page's distinct keys for load `load` (its rows' page_key_column, where not NULL), as uuid
// Datums. Many rows share a work queue: each distinct key is one probe for the load's
// `= ANY($1)` (for the work queues, one comparison per queue row and key). A load keyed by the
// page's own ids has distinct keys already.
Datum *PageKeys(const RenderedPage *page, int load, int *nkeys) {
    Datum *keys = static_cast<Datum *>(palloc(sizeof(Datum) * (page->count > 0 ? page->count : 1)));
    int n = 0;
    for (uint64 i = 0; i < page->count; ++i)
        if (page->rows[i].has_key[load]) keys[n++] = UUIDPGetDatum(&page->rows[i].key[load]);
    if (n > 1 && page->shape->loads[load].page_key_column != page->shape->id_column) {
        qsort(keys, n, sizeof(Datum), CompareUuidDatums);
        int distinct = 1;
        for (int i = 1; i < n; ++i)
            if (CompareUuidDatums(&keys[i], &keys[distinct - 1]) != 0) keys[distinct++] = keys[i];
        n = distinct;
    }
    *nkeys = n;
    return keys;
}

void AppendText(StringInfo out, const StringInfoData *text, int from, int to) {
    appendBinaryStringInfo(out, text->data + from, to - from);
}

void AppendPart(StringInfo out, const RelatedRows *related, uint64 piece, int part) {
    const RelatedPiece &p = related->pieces[piece];
    AppendText(out, related->text, p.part[part], p.part[part + 1]);
}

// One row: its fragment with the holes filled from the related rows, or else the fallbacks.
void JoinRow(StringInfo out, const RenderedPage *page, const PageRow &row) {
    const ResponseShape &shape = *page->shape;
    uint64 found[kMaxLoads];  // each load's first piece for this row (count: none)
    for (int l = 0; l < shape.load_count; ++l) {
        const RelatedRows *related = page->related[l];
        found[l] = row.has_key[l] ? related->Find(&row.key[l]) : related->count;
    }
    int from = row.start;
    int fallback_from = row.end;
    for (int h = 0; h < page->related_count; ++h) {
        AppendText(out, page->text, from, row.hole[h]);
        from = row.hole[h];
        const ResponseField &f = *page->related_field[h];
        const RelatedRows *related = page->related[f.load];
        int part = page->related_part[h];
        uint64 first = found[f.load];
        if (related->load->many) {
            appendStringInfoCharMacro(out, '[');
            for (uint64 i = first; related->KeyAt(i, &row.key[f.load]); ++i) {
                if (i > first) appendStringInfoCharMacro(out, ',');
                AppendPart(out, related, i, part);
            }
            appendStringInfoCharMacro(out, ']');
        } else if (first < related->count) {
            AppendPart(out, related, first, part);
        } else if (f.fallback_column != kNoColumn) {
            AppendText(out, page->text, fallback_from, row.fallback_end[h]);
        } else {
            appendStringInfoString(out, f.if_null);
        }
        fallback_from = row.fallback_end[h];
    }
    AppendText(out, page->text, from, row.end);
}

}  // namespace

RenderedPage *RunPage(const ResponseShape &shape, const Statement &statement, const char *schema,
                      const Datum *resolved) {
    RenderedPage *page = CreateRenderedPage(&shape);
    RunStatement(statement, schema, resolved, &page->pub);
    return page;
}

void LoadRelated(RenderedPage *page, const RelatedStatements &statements) {
    if (page->count == 0) return;
    for (int l = 0; l < page->shape->load_count; ++l) {
        const RelatedLoad &load = page->shape->loads[l];
        RelatedRows *related = CreateRelatedRows(page, l);
        int nkeys;
        Datum *keys = PageKeys(page, l, &nkeys);
        // No row of the page points at this load (no deployment of it has a concurrency limit,
        // say): its statement would find nothing, so it does not run and every row takes its
        // fallback.
        if (nkeys > 0) RunKeyedLoad(statements.*load.sql, keys, nkeys, &related->pub);
        pfree(keys);
        page->related[l] = related;
    }
}

void JoinPage(StringInfo out, const RenderedPage *page) {
    appendStringInfoCharMacro(out, '[');
    if (page->count > 0) {
        // One allocation for the whole answer when it is of a sane size (else it grows as usual).
        size_t wanted = static_cast<size_t>(page->text->len) + static_cast<size_t>(page->count) * 512 + 2;
        for (int l = 0; l < page->shape->load_count; ++l)
            if (page->shape->loads[l].many) wanted += static_cast<size_t>(page->related[l]->text->len);
        if (wanted < MaxAllocSize / 2) enlargeStringInfo(out, static_cast<int>(wanted));
        for (uint64 i = 0; i < page->count; ++i) {
            if (i) appendStringInfoCharMacro(out, ',');
            JoinRow(out, page, page->rows[i]);
        }
    }
    appendStringInfoCharMacro(out, ']');
}

}  // namespace prefect_filter
