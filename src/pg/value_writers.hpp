// The JSON text of one PostgreSQL value (uuid, timestamptz, text, bool, int4, float8), appended
// to a StringInfo: the primitives under every writer of the renderer. The byte rules are the
// pure src/formats primitives' (doc/serialisation.md). Inline, because they run for most columns
// of every row and the writers that call them live in several files.
#pragma once
#include "pg/pg_includes.hpp"

#include "formats/datetime.hpp"
#include "formats/json_out.hpp"

namespace prefect_filter {

// Appends a string literal; its length is known at compile time.
#define PF_LITERAL(out, text) appendBinaryStringInfo((out), text, sizeof(text) - 1)

// A Sink over a StringInfo, for the src/formats primitives that write through one. Trivially
// destructible, so a PostgreSQL ERROR may unwind past it.
class StringInfoSink final : public Sink {
public:
    explicit StringInfoSink(StringInfo buf) : buf_(buf) {}
    void Append(const char *data, size_t len) override { appendBinaryStringInfo(buf_, data, static_cast<int>(len)); }
    using Sink::Append;

private:
    StringInfo buf_;
};

// A JSON string written straight into the buffer: one reservation, no call per run of plain bytes.
inline void WriteString(StringInfo out, const char *s, size_t len) {
    if (len > 1024 * 1024) {  // huge values: stream, rather than reserve six times their size
        StringInfoSink sink(out);
        AppendJsonString(sink, s, len);
        return;
    }
    enlargeStringInfo(out, static_cast<int>(JsonStringMaxBytes(len)));
    out->len += static_cast<int>(WriteJsonString(out->data + out->len, s, len));
    out->data[out->len] = '\0';
}

// `"` + the formatted bytes + `"`: for the formats that never need escaping (UUIDs, datetimes).
inline void WriteQuoted(StringInfo out, const char *formatted, size_t len) {
    enlargeStringInfo(out, static_cast<int>(len + 2));
    char *to = out->data + out->len;
    to[0] = '"';
    memcpy(to + 1, formatted, len);
    to[len + 1] = '"';
    out->len += static_cast<int>(len + 2);
    out->data[out->len] = '\0';
}

inline void WriteUuid(StringInfo out, Datum d) {
    char buf[40];
    WriteQuoted(out, buf, FormatUuid(DatumGetUUIDP(d)->data, buf));
}

inline void WriteTimestamp(StringInfo out, Datum d) {
    char buf[48];
    WriteQuoted(out, buf, FormatTimestampUtc(DatumGetTimestampTz(d), buf));
}

inline void WriteText(StringInfo out, Datum d) {
    text *t = DatumGetTextPP(d);
    WriteString(out, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

inline void WriteBool(StringInfo out, Datum d) {
    if (DatumGetBool(d))
        PF_LITERAL(out, "true");
    else
        PF_LITERAL(out, "false");
}

inline void WriteInt4(StringInfo out, Datum d) {
    appendStringInfo(out, "%d", DatumGetInt32(d));
}

// A Python float, as pydantic prints it.
inline void WriteFloat(StringInfo out, double v) {
    char buf[40];
    size_t n = FormatFloat(v, buf);
    appendBinaryStringInfo(out, buf, static_cast<int>(n));
}

}  // namespace prefect_filter
