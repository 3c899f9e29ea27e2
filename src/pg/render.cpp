// DeploymentResponse rendering (PostgreSQL region). Field order and derivations follow Prefect's
// schemas/responses.py DeploymentResponse and schemas/core.py (see doc/serialisation.md for the
// byte rules, which live in the pure src/output primitives used here).
#include "pg/render.hpp"

#include "compiler/render_columns.hpp"
#include "output/datetime.hpp"
#include "output/json_out.hpp"
#include "pg/plan_cache.hpp"

namespace prefect_filter {

namespace {

// Sink over a StringInfo. Trivially destructible, so a PostgreSQL ERROR may unwind past it.
class StringInfoSink final : public Sink {
public:
    explicit StringInfoSink(StringInfo buf) : buf_(buf) {}
    void Append(const char *data, size_t len) override { appendBinaryStringInfo(buf_, data, static_cast<int>(len)); }
    using Sink::Append;

private:
    StringInfo buf_;
};

// One row of the page statement: the slot's values, deformed once (slot_getallattrs), not per column.
struct Row {
    Datum *values;
    bool *nulls;

    Datum Get(int column, bool *isnull) const {
        *isnull = nulls[column];
        return values[column];
    }
};

// A JSON string written straight into the buffer: one reservation, no per-run calls.
void AppendString(StringInfo out, const char *s, size_t len) {
    if (len > 1024 * 1024) {  // huge values: stream, rather than reserve six times their size
        StringInfoSink sink(out);
        AppendJsonString(sink, s, len);
        return;
    }
    enlargeStringInfo(out, static_cast<int>(JsonStringMaxBytes(len)));
    out->len += static_cast<int>(WriteJsonString(out->data + out->len, s, len));
    out->data[out->len] = '\0';
}

// Writes `,"key":` (every key but an object's first, which callers write with its brace). The
// key is a literal, so the whole fragment is built and measured at compile time.
#define PF_KEY(out, key) appendBinaryStringInfo((out), ",\"" key "\":", sizeof(",\"" key "\":") - 1)
#define PF_LITERAL(out, text) appendBinaryStringInfo((out), text, sizeof(text) - 1)

void Uuid(StringInfo out, Datum d) {
    char buf[40];
    size_t n = FormatUuid(DatumGetUUIDP(d)->data, buf);
    appendStringInfoCharMacro(out, '"');
    appendBinaryStringInfo(out, buf, static_cast<int>(n));
    appendStringInfoCharMacro(out, '"');
}

void Timestamp(StringInfo out, Datum d) {
    char buf[48];
    size_t n = FormatTimestampUtc(DatumGetTimestampTz(d), buf);
    appendStringInfoCharMacro(out, '"');
    appendBinaryStringInfo(out, buf, static_cast<int>(n));
    appendStringInfoCharMacro(out, '"');
}

void Text(StringInfo out, Datum d) {
    text *t = DatumGetTextPP(d);
    AppendString(out, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

void Bool(StringInfo out, bool b) {
    if (b) PF_LITERAL(out, "true");
    else PF_LITERAL(out, "false");
}

void Float(StringInfo out, double v) {
    char buf[40];
    size_t n = FormatFloat(v, buf);
    appendBinaryStringInfo(out, buf, static_cast<int>(n));
}

void JsonbNumeric(StringInfo out, Numeric num) {
    char *s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));
    StringInfoSink sink(out);
    AppendJsonNumberLikePython(sink, s, strlen(s));
    pfree(s);
}

void JsonbScalar(StringInfo out, const JsonbValue &v) {
    switch (v.type) {
        case jbvNull: PF_LITERAL(out, "null"); break;
        case jbvBool: Bool(out, v.val.boolean); break;
        case jbvNumeric: JsonbNumeric(out, v.val.numeric); break;
        case jbvString: AppendString(out, v.val.string.val, static_cast<size_t>(v.val.string.len)); break;
        default: elog(ERROR, "prefect_filter: unexpected jsonb scalar type %d", static_cast<int>(v.type));
    }
}

// Writes one JSONB value stored in a container: `entry` is its JEntry, `data` its bytes.
void WriteContainer(StringInfo out, JsonbContainer *container);

void WriteEntry(StringInfo out, JEntry entry, char *data, uint32 len) {
    if (JBE_ISSTRING(entry)) {
        AppendString(out, data, len);
    } else if (JBE_ISNUMERIC(entry)) {
        JsonbNumeric(out, reinterpret_cast<Numeric>(data));
    } else if (JBE_ISBOOL_TRUE(entry)) {
        PF_LITERAL(out, "true");
    } else if (JBE_ISBOOL_FALSE(entry)) {
        PF_LITERAL(out, "false");
    } else if (JBE_ISNULL(entry)) {
        PF_LITERAL(out, "null");
    } else {
        WriteContainer(out, reinterpret_cast<JsonbContainer *>(data));
    }
}

// Writes a JSONB container compactly, straight from its binary form (utils/jsonb.h): keys in
// JSONB's order (what Prefect gets back from PostgreSQL and re-emits), numbers re-printed as
// Python would. Entries store either their length or, every JB_OFFSET_STRIDE-th, their end
// offset; an object stores all keys, then all values, with offsets running over both.
void WriteContainer(StringInfo out, JsonbContainer *container) {
    check_stack_depth();  // JSONB nests as deep as its producer allowed
    uint32 count = JsonContainerSize(container);
    bool is_object = JsonContainerIsObject(container);
    uint32 nentries = is_object ? count * 2 : count;
    char *base = reinterpret_cast<char *>(&container->children[nentries]);
    // Start offset of each entry, computed once in order (nentries + 1 values).
    uint32 local[65];
    uint32 *start = nentries < 65 ? local : static_cast<uint32 *>(palloc((nentries + 1) * sizeof(uint32)));
    uint32 pos = 0;
    for (uint32 i = 0; i < nentries; ++i) {
        JEntry e = container->children[i];
        start[i] = pos;
        pos = JBE_HAS_OFF(e) ? JBE_OFFLENFLD(e) : pos + JBE_OFFLENFLD(e);
    }
    start[nentries] = pos;
    // Numerics and containers are int-aligned within their (padded) slot.
    auto data_of = [&](uint32 i) {
        JEntry e = container->children[i];
        uint32 off = (JBE_ISNUMERIC(e) || JBE_ISCONTAINER(e)) ? INTALIGN(start[i]) : start[i];
        return base + off;
    };
    auto len_of = [&](uint32 i) { return start[i + 1] - start[i]; };

    if (JsonContainerIsScalar(container)) {  // a raw scalar is stored as a one-element array
        WriteEntry(out, container->children[0], data_of(0), len_of(0));
    } else if (is_object) {
        appendStringInfoCharMacro(out, '{');
        for (uint32 i = 0; i < count; ++i) {
            if (i) appendStringInfoCharMacro(out, ',');
            AppendString(out, base + start[i], len_of(i));
            appendStringInfoCharMacro(out, ':');
            WriteEntry(out, container->children[count + i], data_of(count + i), len_of(count + i));
        }
        appendStringInfoCharMacro(out, '}');
    } else {
        appendStringInfoCharMacro(out, '[');
        for (uint32 i = 0; i < count; ++i) {
            if (i) appendStringInfoCharMacro(out, ',');
            WriteEntry(out, container->children[i], data_of(i), len_of(i));
        }
        appendStringInfoCharMacro(out, ']');
    }
    if (start != local) pfree(start);
}

void WriteJsonb(StringInfo out, Datum d) {
    Jsonb *jb = DatumGetJsonbP(d);
    WriteContainer(out, &jb->root);
}

void JsonbOrNull(StringInfo out, const Row &row, int column) {
    bool isnull;
    Datum d = row.Get(column, &isnull);
    if (isnull) PF_LITERAL(out, "null");
    else WriteJsonb(out, d);
}

// Looks up `key` at the top level of a JSONB object; nullptr if absent or not an object.
JsonbValue *ObjectField(Jsonb *jb, const char *key) {
    if (!JB_ROOT_IS_OBJECT(jb)) return nullptr;
    return getKeyJsonValueFromContainer(&jb->root, key, static_cast<uint32>(strlen(key)), nullptr);
}

// A JsonbValue found by ObjectField: scalars directly, containers through their binary form.
void AnyJsonbValue(StringInfo out, JsonbValue *v) {
    if (v->type == jbvBinary) WriteContainer(out, v->val.binary.data);
    else JsonbScalar(out, *v);
}

void StringOrNullField(StringInfo out, Jsonb *jb, const char *key, const char *default_string) {
    JsonbValue *v = ObjectField(jb, key);
    if (v && v->type != jbvNull) AnyJsonbValue(out, v);
    else if (default_string) {
        StringInfoSink sink(out);
        AppendJsonString(sink, default_string, strlen(default_string));
    } else {
        PF_LITERAL(out, "null");
    }
}

// An int field of a Prefect model stored in JSONB: pydantic accepts 120.0 for an int and
// emits 120, so an integral number is written without its fraction.
void IntegerOrNullField(StringInfo out, Jsonb *jb, const char *key) {
    JsonbValue *v = ObjectField(jb, key);
    if (!v || v->type == jbvNull) {
        PF_LITERAL(out, "null");
        return;
    }
    if (v->type == jbvNumeric) {
        char *s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
        char *dot = strchr(s, '.');
        bool integral = dot != nullptr;
        for (char *p = dot ? dot + 1 : s; dot && *p; ++p) integral = integral && *p == '0';
        if (integral) *dot = '\0';
        if (dot == nullptr || integral) {
            appendStringInfoString(out, s);
            pfree(s);
            return;
        }
        pfree(s);
    }
    AnyJsonbValue(out, v);
}

// created_by / updated_by: exactly {id, type, display_value}; id lower-cased when a UUID.
void Creator(StringInfo out, const Row &row, int column) {
    bool isnull;
    Datum d = row.Get(column, &isnull);
    if (isnull) {
        PF_LITERAL(out, "null");
        return;
    }
    Jsonb *jb = DatumGetJsonbP(d);
    if (!JB_ROOT_IS_OBJECT(jb)) {
        WriteContainer(out, &jb->root);
        return;
    }
    PF_LITERAL(out, "{\"id\":");
    JsonbValue *id = ObjectField(jb, "id");
    unsigned char uuid[16];
    if (id && id->type == jbvString &&
        ParseUuidText(id->val.string.val, static_cast<size_t>(id->val.string.len), uuid)) {
        char text[40];
        size_t n = FormatUuid(uuid, text);  // Prefect validates it as a UUID: canonical form
        appendStringInfoCharMacro(out, '"');
        appendBinaryStringInfo(out, text, static_cast<int>(n));
        appendStringInfoCharMacro(out, '"');
    } else if (id) {
        AnyJsonbValue(out, id);
    } else {
        PF_LITERAL(out, "null");
    }
    PF_LITERAL(out, ",\"type\":");
    StringOrNullField(out, jb, "type", nullptr);
    PF_LITERAL(out, ",\"display_value\":");
    StringOrNullField(out, jb, "display_value", nullptr);
    appendStringInfoCharMacro(out, '}');
}

// concurrency_options: {collision_strategy, grace_period_seconds}.
void ConcurrencyOptions(StringInfo out, const Row &row) {
    bool isnull;
    Datum d = row.Get(kColConcurrencyOptions, &isnull);
    if (isnull) {
        PF_LITERAL(out, "null");
        return;
    }
    Jsonb *jb = DatumGetJsonbP(d);
    if (!JB_ROOT_IS_OBJECT(jb)) {
        WriteContainer(out, &jb->root);
        return;
    }
    PF_LITERAL(out, "{\"collision_strategy\":");
    StringOrNullField(out, jb, "collision_strategy", nullptr);
    PF_LITERAL(out, ",\"grace_period_seconds\":");
    IntegerOrNullField(out, jb, "grace_period_seconds");
    appendStringInfoCharMacro(out, '}');
}

// A schedule object, re-emitted as Prefect's IntervalSchedule / CronSchedule / RRuleSchedule.
void Schedule(StringInfo out, Jsonb *jb) {
    if (!JB_ROOT_IS_OBJECT(jb)) {
        WriteContainer(out, &jb->root);
        return;
    }
    if (JsonbValue *interval = ObjectField(jb, "interval")) {
        PF_LITERAL(out, "{\"interval\":");
        if (interval->type == jbvNumeric) {
            char *s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(interval->val.numeric)));
            double seconds = 0;
            if (!ParseDecimalDouble(s, strlen(s), &seconds)) seconds = strtod(s, nullptr);
            Float(out, seconds);
            pfree(s);
        } else {
            AnyJsonbValue(out, interval);
        }
        PF_LITERAL(out, ",\"anchor_date\":");
        JsonbValue *anchor = ObjectField(jb, "anchor_date");
        if (anchor && anchor->type == jbvString) {
            char buf[64];
            size_t n = ReformatStoredDatetime(anchor->val.string.val, static_cast<size_t>(anchor->val.string.len), buf);
            StringInfoSink sink(out);
            if (n > 0) AppendJsonString(sink, buf, n);
            else AppendJsonString(sink, anchor->val.string.val, static_cast<size_t>(anchor->val.string.len));
        } else if (anchor) {
            AnyJsonbValue(out, anchor);
        } else {
            PF_LITERAL(out, "null");
        }
        PF_LITERAL(out, ",\"timezone\":");
        StringOrNullField(out, jb, "timezone", "UTC");
        appendStringInfoCharMacro(out, '}');
    } else if (ObjectField(jb, "cron")) {
        PF_LITERAL(out, "{\"cron\":");
        StringOrNullField(out, jb, "cron", nullptr);
        PF_LITERAL(out, ",\"timezone\":");
        StringOrNullField(out, jb, "timezone", nullptr);
        PF_LITERAL(out, ",\"day_or\":");
        JsonbValue *day_or = ObjectField(jb, "day_or");
        if (day_or && day_or->type != jbvNull) AnyJsonbValue(out, day_or);
        else PF_LITERAL(out, "true");
        appendStringInfoCharMacro(out, '}');
    } else if (ObjectField(jb, "rrule")) {
        PF_LITERAL(out, "{\"rrule\":");
        StringOrNullField(out, jb, "rrule", nullptr);
        PF_LITERAL(out, ",\"timezone\":");
        StringOrNullField(out, jb, "timezone", "UTC");
        appendStringInfoCharMacro(out, '}');
    } else {
        WriteContainer(out, &jb->root);
    }
}

// A schedule row (ScheduleField columns) as Prefect's DeploymentSchedule.
void ScheduleObject(StringInfo out, const Datum *v, const bool *n) {
    PF_LITERAL(out, "{\"id\":");
    Uuid(out, v[kSchedId]);
    PF_KEY(out, "created");
    if (n[kSchedCreated]) PF_LITERAL(out, "null"); else Timestamp(out, v[kSchedCreated]);
    PF_KEY(out, "updated");
    if (n[kSchedUpdated]) PF_LITERAL(out, "null"); else Timestamp(out, v[kSchedUpdated]);
    PF_KEY(out, "deployment_id");
    Uuid(out, v[kSchedDeploymentId]);
    PF_KEY(out, "schedule");
    if (n[kSchedSchedule]) PF_LITERAL(out, "null");
    else Schedule(out, DatumGetJsonbP(v[kSchedSchedule]));
    PF_KEY(out, "active");
    if (n[kSchedActive]) PF_LITERAL(out, "null"); else Bool(out, DatumGetBool(v[kSchedActive]));
    PF_KEY(out, "max_scheduled_runs");
    if (n[kSchedMaxScheduledRuns]) PF_LITERAL(out, "null");
    else appendStringInfo(out, "%d", DatumGetInt32(v[kSchedMaxScheduledRuns]));
    PF_KEY(out, "parameters");
    if (n[kSchedParameters]) PF_LITERAL(out, "{}"); else WriteJsonb(out, v[kSchedParameters]);
    PF_KEY(out, "slug");
    if (n[kSchedSlug]) PF_LITERAL(out, "null"); else Text(out, v[kSchedSlug]);
    appendStringInfoCharMacro(out, '}');
}

// A global concurrency limit row (LimitField columns).
void GlobalConcurrencyLimit(StringInfo out, const Datum *v) {
    PF_LITERAL(out, "{\"id\":");
    Uuid(out, v[kLimitId]);
    PF_KEY(out, "created");
    Timestamp(out, v[kLimitCreated]);
    PF_KEY(out, "updated");
    Timestamp(out, v[kLimitUpdated]);
    PF_KEY(out, "active");
    Bool(out, DatumGetBool(v[kLimitActive]));
    PF_KEY(out, "name");
    Text(out, v[kLimitName]);
    PF_KEY(out, "limit");
    appendStringInfo(out, "%d", DatumGetInt32(v[kLimitLimit]));
    PF_KEY(out, "active_slots");
    appendStringInfo(out, "%d", DatumGetInt32(v[kLimitActiveSlots]));
    PF_KEY(out, "slot_decay_per_second");
    Float(out, DatumGetFloat8(v[kLimitSlotDecay]));
    appendStringInfoCharMacro(out, '}');
}

using ValueWriter = void (*)(StringInfo, Datum);

void NullableColumn(StringInfo out, const Row &row, int column, ValueWriter write) {
    bool isnull;
    Datum d = row.Get(column, &isnull);
    if (isnull) PF_LITERAL(out, "null");
    else write(out, d);
}

// ---------------------------------------------------------------------------------------------
// The page. Its rows are rendered as the page statement produces them (a DestReceiver: no copy
// of the wide rows into an SPI tuple table), except for the parts that come from related rows,
// which are only known once the whole page is: each row's JSON is kept as a fragment with four
// holes (schedules, global_concurrency_limit, work_queue_name, work_pool_name). After the
// related loads, the fragments are joined (they arrived in page order) with the holes filled in.

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

enum Hole { kHoleSchedules, kHoleLimit, kHoleQueueName, kHolePoolName, kHoleCount };

struct PendingRow {
    pg_uuid_t id;                 // keys for the related loads
    pg_uuid_t limit_id;
    pg_uuid_t queue_id;
    bool has_limit_id;
    bool has_queue_id;
    int start;                    // the fragment: scratch[start, end), holes at hole[k]
    int hole[kHoleCount];
    int end;
    int stored_queue_name_end;    // scratch[end, this): the stored work_queue_name as JSON
};

struct PageReceiver {
    DestReceiver pub;             // first: PostgreSQL sees a DestReceiver
    StringInfo scratch;           // every row's fragment, in page order (the statement's ORDER BY)
    PendingRow *rows;
    uint64 count;
    uint64 capacity;
    MemoryContext call_context;   // where scratch and rows live
    MemoryContext row_context;    // a row's detoasted values (page and loads); reset per row
};

// Writes the deployment without its related parts, recording where they go.
void DeploymentFragment(StringInfo out, const Row &row, PendingRow *pending) {
    bool isnull;
    PF_LITERAL(out, "{\"id\":");
    Uuid(out, row.Get(kColId, &isnull));
    PF_KEY(out, "created");
    NullableColumn(out, row, kColCreated, Timestamp);
    PF_KEY(out, "updated");
    NullableColumn(out, row, kColUpdated, Timestamp);
    PF_KEY(out, "name");
    NullableColumn(out, row, kColName, Text);
    PF_KEY(out, "version");
    NullableColumn(out, row, kColVersion, Text);
    PF_KEY(out, "description");
    NullableColumn(out, row, kColDescription, Text);
    PF_KEY(out, "flow_id");
    NullableColumn(out, row, kColFlowId, Uuid);
    PF_KEY(out, "paused");
    Bool(out, DatumGetBool(row.Get(kColPaused, &isnull)));
    PF_KEY(out, "schedules");
    pending->hole[kHoleSchedules] = out->len;
    PF_KEY(out, "concurrency_limit");
    PF_LITERAL(out, "null");  // deprecated: always null in Prefect's response
    PF_KEY(out, "global_concurrency_limit");
    pending->hole[kHoleLimit] = out->len;
    PF_KEY(out, "concurrency_options");
    ConcurrencyOptions(out, row);
    PF_KEY(out, "job_variables");
    JsonbOrNull(out, row, kColJobVariables);
    PF_KEY(out, "parameters");
    JsonbOrNull(out, row, kColParameters);
    PF_KEY(out, "tags");
    JsonbOrNull(out, row, kColTags);
    PF_KEY(out, "labels");
    Datum labels = row.Get(kColLabels, &isnull);
    if (isnull) PF_LITERAL(out, "{}");  // Prefect turns a NULL into {}
    else WriteJsonb(out, labels);
    PF_KEY(out, "work_queue_name");
    pending->hole[kHoleQueueName] = out->len;
    PF_KEY(out, "work_queue_id");
    NullableColumn(out, row, kColWorkQueueId, Uuid);
    PF_KEY(out, "last_polled");
    NullableColumn(out, row, kColLastPolled, Timestamp);
    PF_KEY(out, "parameter_openapi_schema");
    JsonbOrNull(out, row, kColParameterOpenapiSchema);
    PF_KEY(out, "path");
    NullableColumn(out, row, kColPath, Text);
    PF_KEY(out, "pull_steps");
    JsonbOrNull(out, row, kColPullSteps);
    PF_KEY(out, "entrypoint");
    NullableColumn(out, row, kColEntrypoint, Text);
    PF_KEY(out, "storage_document_id");
    NullableColumn(out, row, kColStorageDocumentId, Uuid);
    PF_KEY(out, "infrastructure_document_id");
    NullableColumn(out, row, kColInfrastructureDocumentId, Uuid);
    PF_KEY(out, "created_by");
    Creator(out, row, kColCreatedBy);
    PF_KEY(out, "updated_by");
    Creator(out, row, kColUpdatedBy);
    PF_KEY(out, "work_pool_name");
    pending->hole[kHolePoolName] = out->len;
    PF_KEY(out, "status");
    NullableColumn(out, row, kColStatus, Text);
    PF_KEY(out, "enforce_parameter_schema");
    Bool(out, DatumGetBool(row.Get(kColEnforceParameterSchema, &isnull)));
    appendStringInfoCharMacro(out, '}');
}

void CopyUuid(const Row &row, int column, pg_uuid_t *to, bool *present) {
    bool isnull;
    Datum d = row.Get(column, &isnull);
    *present = !isnull;
    if (!isnull) *to = *DatumGetUUIDP(d);
}

bool ReceivePageRow(TupleTableSlot *slot, DestReceiver *self) {
    auto *r = reinterpret_cast<PageReceiver *>(self);
    r->rows = Grow(r->rows, r->count, &r->capacity, r->call_context);
    slot_getallattrs(slot);
    Row row{slot->tts_values, slot->tts_isnull};
    PendingRow *p = &r->rows[r->count++];
    bool has_id;
    CopyUuid(row, kColId, &p->id, &has_id);
    if (!has_id) elog(ERROR, "prefect_filter: deployment without id");
    CopyUuid(row, kColConcurrencyLimitId, &p->limit_id, &p->has_limit_id);
    CopyUuid(row, kColWorkQueueId, &p->queue_id, &p->has_queue_id);

    MemoryContext old = MemoryContextSwitchTo(r->row_context);
    p->start = r->scratch->len;
    DeploymentFragment(r->scratch, row, p);
    p->end = r->scratch->len;
    NullableColumn(r->scratch, row, kColWorkQueueName, Text);  // used when the queue is not found
    p->stored_queue_name_end = r->scratch->len;
    MemoryContextSwitchTo(old);
    MemoryContextReset(r->row_context);
    CHECK_FOR_INTERRUPTS();
    return true;
}

void StartPage(DestReceiver *self, int, TupleDesc typeinfo) {
    if (typeinfo->natts != kRenderColumnCount)
        elog(ERROR, "prefect_filter: page statement returns %d columns, expected %d", typeinfo->natts,
             static_cast<int>(kRenderColumnCount));
}

// ---------------------------------------------------------------------------------------------
// Related loads. Their rows too are rendered as they arrive (another DestReceiver), into pieces
// of JSON keyed by the row's key; each load is ordered by key, so a page row finds its pieces
// by binary search, and a deployment's schedules are consecutive and already in Prefect's order.

enum class RelatedKind { kSchedules, kLimits, kQueues };

struct RelatedPiece {
    pg_uuid_t key;
    int start;  // text[start, mid): the schedule / the limit / the queue's name, as JSON
    int mid;    // text[mid, end): the queue's pool name as JSON (queues only)
    int end;
};

struct RelatedReceiver {
    DestReceiver pub;  // first: PostgreSQL sees a DestReceiver
    RelatedKind kind;
    int natts;
    int key_column;
    StringInfo text;
    RelatedPiece *pieces;
    uint64 count;
    uint64 capacity;
    MemoryContext call_context;
    MemoryContext row_context;    // the page's: reset per row

    // The first piece whose key is `id`, or `count` when there is none.
    uint64 Find(const pg_uuid_t *id) const {
        uint64 lo = 0, hi = count;
        while (lo < hi) {
            uint64 mid = lo + (hi - lo) / 2;
            if (memcmp(pieces[mid].key.data, id->data, UUID_LEN) < 0) lo = mid + 1;
            else hi = mid;
        }
        return lo < count && memcmp(pieces[lo].key.data, id->data, UUID_LEN) == 0 ? lo : count;
    }
    bool KeyAt(uint64 i, const pg_uuid_t *id) const {
        return i < count && memcmp(pieces[i].key.data, id->data, UUID_LEN) == 0;
    }
};

bool ReceiveRelatedRow(TupleTableSlot *slot, DestReceiver *self) {
    auto *r = reinterpret_cast<RelatedReceiver *>(self);
    r->pieces = Grow(r->pieces, r->count, &r->capacity, r->call_context);
    slot_getallattrs(slot);
    const Datum *v = slot->tts_values;
    const bool *n = slot->tts_isnull;
    if (n[r->key_column]) elog(ERROR, "prefect_filter: related row without its key");
    RelatedPiece *piece = &r->pieces[r->count++];
    piece->key = *DatumGetUUIDP(v[r->key_column]);
    MemoryContext old = MemoryContextSwitchTo(r->row_context);
    StringInfo out = r->text;
    piece->start = out->len;
    switch (r->kind) {
        case RelatedKind::kSchedules: ScheduleObject(out, v, n); break;
        case RelatedKind::kLimits: GlobalConcurrencyLimit(out, v); break;
        case RelatedKind::kQueues: Text(out, v[kQueueName]); break;
    }
    piece->mid = out->len;
    if (r->kind == RelatedKind::kQueues) {
        if (n[kQueuePoolName]) PF_LITERAL(out, "null");
        else Text(out, v[kQueuePoolName]);
    }
    piece->end = out->len;
    MemoryContextSwitchTo(old);
    MemoryContextReset(r->row_context);
    return true;
}

void StartRelated(DestReceiver *self, int, TupleDesc typeinfo) {
    auto *r = reinterpret_cast<RelatedReceiver *>(self);
    if (typeinfo->natts != r->natts)
        elog(ERROR, "prefect_filter: related load returns %d columns, expected %d", typeinfo->natts, r->natts);
}

// The page's keys of one kind as a uuid[] for a related load.
ArrayType *PageKeys(const PageReceiver *r, pg_uuid_t PendingRow::*key, bool PendingRow::*present) {
    Datum *keys = static_cast<Datum *>(palloc(sizeof(Datum) * (r->count > 0 ? r->count : 1)));
    int n = 0;
    for (uint64 i = 0; i < r->count; ++i)
        if (present == nullptr || r->rows[i].*present) keys[n++] = UUIDPGetDatum(&(r->rows[i].*key));
    ArrayType *array = construct_array(keys, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR);
    pfree(keys);
    return array;
}

// Runs one related load for `keys` (uuid[]) in the caller's snapshot, rendering its rows.
const RelatedReceiver *LoadRelated(const std::string &sql, ArrayType *keys, RelatedKind kind, int natts,
                                   int key_column, MemoryContext row_context) {
    auto *r = static_cast<RelatedReceiver *>(palloc0(sizeof(RelatedReceiver)));
    InitReceiver(&r->pub, ReceiveRelatedRow, StartRelated);
    r->kind = kind;
    r->natts = natts;
    r->key_column = key_column;
    r->text = makeStringInfo();
    r->call_context = CurrentMemoryContext;
    r->row_context = row_context;

    Oid type = UUIDARRAYOID;
    SPIPlanPtr plan = CachedPlan(sql.c_str(), 1, &type, /*custom_plan=*/false, /*parallel_ok=*/false);
    ParamListInfo params = makeParamList(1);
    params->params[0].value = PointerGetDatum(keys);
    params->params[0].isnull = false;
    params->params[0].pflags = PARAM_FLAG_CONST;
    params->params[0].ptype = type;
    RunPlan(plan, params, &r->pub);
    return r;
}

struct Related {
    const RelatedReceiver *schedules;  // by deployment id
    const RelatedReceiver *limits;     // by concurrency limit id
    const RelatedReceiver *queues;     // by work queue id
};

void AppendScratch(StringInfo out, const PageReceiver *r, int from, int to) {
    appendBinaryStringInfo(out, r->scratch->data + from, to - from);
}

// Piece i of a related load: its first part [start, mid), or with `second` its part [mid, end).
void AppendPiece(StringInfo out, const RelatedReceiver *r, uint64 i, bool second = false) {
    const RelatedPiece &p = r->pieces[i];
    int from = second ? p.mid : p.start, to = second ? p.end : p.mid;
    appendBinaryStringInfo(out, r->text->data + from, to - from);
}

// One row: its fragment with the holes filled from the related rows.
void JoinRow(StringInfo out, const PageReceiver *r, const PendingRow &p, const Related &related) {
    AppendScratch(out, r, p.start, p.hole[kHoleSchedules]);
    appendStringInfoCharMacro(out, '[');
    uint64 first = related.schedules->Find(&p.id);
    for (uint64 i = first; related.schedules->KeyAt(i, &p.id); ++i) {
        if (i > first) appendStringInfoCharMacro(out, ',');
        AppendPiece(out, related.schedules, i);
    }
    appendStringInfoCharMacro(out, ']');
    AppendScratch(out, r, p.hole[kHoleSchedules], p.hole[kHoleLimit]);
    uint64 limit = p.has_limit_id ? related.limits->Find(&p.limit_id) : related.limits->count;
    if (limit < related.limits->count) AppendPiece(out, related.limits, limit);
    else PF_LITERAL(out, "null");  // no limit, or one this snapshot cannot see
    AppendScratch(out, r, p.hole[kHoleLimit], p.hole[kHoleQueueName]);
    // The attached work queue (and its pool) when there is one, else the stored name.
    uint64 queue = p.has_queue_id ? related.queues->Find(&p.queue_id) : related.queues->count;
    bool has_queue = queue < related.queues->count;
    if (has_queue) AppendPiece(out, related.queues, queue);
    else AppendScratch(out, r, p.end, p.stored_queue_name_end);
    AppendScratch(out, r, p.hole[kHoleQueueName], p.hole[kHolePoolName]);
    if (has_queue) AppendPiece(out, related.queues, queue, /*second=*/true);
    else PF_LITERAL(out, "null");
    AppendScratch(out, r, p.hole[kHolePoolName], p.end);
}

}  // namespace

DestReceiver *CreatePageReceiver(void) {
    auto *r = static_cast<PageReceiver *>(palloc0(sizeof(PageReceiver)));
    InitReceiver(&r->pub, ReceivePageRow, StartPage);
    r->call_context = CurrentMemoryContext;
    r->row_context = AllocSetContextCreate(CurrentMemoryContext, "prefect_filter row", ALLOCSET_DEFAULT_SIZES);
    r->scratch = makeStringInfo();
    return &r->pub;
}

void FinishPage(StringInfo out, DestReceiver *receiver, const RelatedStatements &related) {
    auto *r = reinterpret_cast<PageReceiver *>(receiver);
    appendStringInfoCharMacro(out, '[');
    if (r->count > 0) {
        Related rel;
        rel.schedules = LoadRelated(related.schedules, PageKeys(r, &PendingRow::id, nullptr), RelatedKind::kSchedules,
                                    kScheduleFieldCount, kSchedDeploymentId, r->row_context);
        rel.limits = LoadRelated(related.limits, PageKeys(r, &PendingRow::limit_id, &PendingRow::has_limit_id),
                                 RelatedKind::kLimits, kLimitFieldCount, kLimitId, r->row_context);
        rel.queues = LoadRelated(related.queues, PageKeys(r, &PendingRow::queue_id, &PendingRow::has_queue_id),
                                 RelatedKind::kQueues, kQueueFieldCount, kQueueId, r->row_context);
        // One allocation for the whole answer when it is of a sane size (else it grows as usual).
        size_t wanted = static_cast<size_t>(r->scratch->len) + static_cast<size_t>(rel.schedules->text->len) +
                        static_cast<size_t>(r->count) * 512 + 2;
        if (wanted < MaxAllocSize / 2) enlargeStringInfo(out, static_cast<int>(wanted));
        for (uint64 i = 0; i < r->count; ++i) {
            if (i) appendStringInfoCharMacro(out, ',');
            JoinRow(out, r, r->rows[i], rel);
        }
    }
    appendStringInfoCharMacro(out, ']');
}

}  // namespace prefect_filter
