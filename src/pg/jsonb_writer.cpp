// JSONB binary -> JSON text (see jsonb_writer.hpp).
#include "pg/jsonb_writer.hpp"

#include "pg/value_writers.hpp"

namespace prefect_filter {

namespace {

void WriteNumeric(StringInfo out, Numeric num) {
    char *s = FormatNumeric(num);
    StringInfoSink sink(out);
    AppendJsonNumberLikePython(sink, s, strlen(s));
    pfree(s);
}

void WriteScalar(StringInfo out, const JsonbValue &v) {
    switch (v.type) {
        case jbvNull: PF_LITERAL(out, "null"); break;
        case jbvBool: WriteBool(out, BoolGetDatum(v.val.boolean)); break;
        case jbvNumeric: WriteNumeric(out, v.val.numeric); break;
        case jbvString: WriteString(out, v.val.string.val, static_cast<size_t>(v.val.string.len)); break;
        default: elog(ERROR, "prefect_filter: unexpected jsonb scalar type %d", static_cast<int>(v.type));
    }
}

// One value stored in a container: `entry` is its JEntry, `data` its bytes.
void WriteEntry(StringInfo out, JEntry entry, char *data, uint32 len) {
    if (JBE_ISSTRING(entry)) {
        WriteString(out, data, len);
    } else if (JBE_ISNUMERIC(entry)) {
        WriteNumeric(out, reinterpret_cast<Numeric>(data));
    } else if (JBE_ISBOOL_TRUE(entry)) {
        PF_LITERAL(out, "true");
    } else if (JBE_ISBOOL_FALSE(entry)) {
        PF_LITERAL(out, "false");
    } else if (JBE_ISNULL(entry)) {
        PF_LITERAL(out, "null");
    } else {
        WriteJsonbContainer(out, reinterpret_cast<JsonbContainer *>(data));
    }
}

}  // namespace

// Entries store either their length or, every JB_OFFSET_STRIDE-th, their end offset; an object
// stores all keys, then all values, with offsets running over both.
void WriteJsonbContainer(StringInfo out, JsonbContainer *container) {
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
            WriteString(out, base + start[i], len_of(i));
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
    WriteJsonbContainer(out, &jb->root);
}

void WriteJsonbValue(StringInfo out, const JsonbValue *v) {
    if (v->type == jbvBinary)
        WriteJsonbContainer(out, v->val.binary.data);
    else
        WriteScalar(out, *v);
}

JsonbValue *FindJsonbKey(Jsonb *jb, const char *key) {
    if (!JB_ROOT_IS_OBJECT(jb)) return nullptr;
    return getKeyJsonValueFromContainer(&jb->root, key, static_cast<uint32>(strlen(key)), nullptr);
}

char *FormatNumeric(Numeric num) {
    return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));
}

}  // namespace prefect_filter
