// Prefect's models inside a DeploymentResponse (see deployment_model.hpp).
#include "pg/deployment_model.hpp"

#include "compiler/render_columns.hpp"
#include "pg/jsonb_writer.hpp"
#include "pg/value_writers.hpp"

namespace prefect_filter {

namespace {

// A string field of a model stored in jsonb: its value, else `default_string`, else null.
void WriteStringField(StringInfo out, Jsonb *jb, const char *key, const char *default_string) {
    JsonbValue *v = FindJsonbKey(jb, key);
    if (v && v->type != jbvNull)
        WriteJsonbValue(out, v);
    else if (default_string)
        WriteString(out, default_string, strlen(default_string));
    else
        PF_LITERAL(out, "null");
}

// An int field of a model stored in jsonb: pydantic accepts 120.0 for an int and emits 120, so
// an integral number is written without its fraction.
void WriteIntegerField(StringInfo out, Jsonb *jb, const char *key) {
    JsonbValue *v = FindJsonbKey(jb, key);
    if (!v || v->type == jbvNull) {
        PF_LITERAL(out, "null");
        return;
    }
    if (v->type == jbvNumeric) {
        char *s = FormatNumeric(v->val.numeric);
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
    WriteJsonbValue(out, v);
}

// A schedule object, re-emitted as Prefect's IntervalSchedule / CronSchedule / RRuleSchedule.
void WriteSchedule(StringInfo out, Jsonb *jb) {
    if (!JB_ROOT_IS_OBJECT(jb)) {
        WriteJsonbContainer(out, &jb->root);
        return;
    }
    if (JsonbValue *interval = FindJsonbKey(jb, "interval")) {
        PF_LITERAL(out, "{\"interval\":");
        if (interval->type == jbvNumeric) {  // a timedelta: seconds as a float
            char *s = FormatNumeric(interval->val.numeric);
            double seconds = 0;
            if (!ParseDecimalDouble(s, strlen(s), &seconds)) seconds = strtod(s, nullptr);
            WriteFloat(out, seconds);
            pfree(s);
        } else {
            WriteJsonbValue(out, interval);
        }
        PF_LITERAL(out, ",\"anchor_date\":");
        JsonbValue *anchor = FindJsonbKey(jb, "anchor_date");
        if (anchor && anchor->type == jbvString) {
            char buf[64];
            size_t n = ReformatStoredDatetime(anchor->val.string.val, static_cast<size_t>(anchor->val.string.len), buf);
            if (n > 0)
                WriteString(out, buf, n);
            else
                WriteString(out, anchor->val.string.val, static_cast<size_t>(anchor->val.string.len));
        } else if (anchor) {
            WriteJsonbValue(out, anchor);
        } else {
            PF_LITERAL(out, "null");
        }
        PF_LITERAL(out, ",\"timezone\":");
        WriteStringField(out, jb, "timezone", "UTC");
        appendStringInfoCharMacro(out, '}');
    } else if (FindJsonbKey(jb, "cron")) {
        PF_LITERAL(out, "{\"cron\":");
        WriteStringField(out, jb, "cron", nullptr);
        PF_LITERAL(out, ",\"timezone\":");
        WriteStringField(out, jb, "timezone", nullptr);
        PF_LITERAL(out, ",\"day_or\":");
        JsonbValue *day_or = FindJsonbKey(jb, "day_or");
        if (day_or && day_or->type != jbvNull)
            WriteJsonbValue(out, day_or);
        else
            PF_LITERAL(out, "true");
        appendStringInfoCharMacro(out, '}');
    } else if (FindJsonbKey(jb, "rrule")) {
        PF_LITERAL(out, "{\"rrule\":");
        WriteStringField(out, jb, "rrule", nullptr);
        PF_LITERAL(out, ",\"timezone\":");
        WriteStringField(out, jb, "timezone", "UTC");
        appendStringInfoCharMacro(out, '}');
    } else {
        WriteJsonbContainer(out, &jb->root);
    }
}

}  // namespace

void WriteCreator(StringInfo out, Datum created_by) {
    Jsonb *jb = DatumGetJsonbP(created_by);
    if (!JB_ROOT_IS_OBJECT(jb)) {
        WriteJsonbContainer(out, &jb->root);
        return;
    }
    PF_LITERAL(out, "{\"id\":");
    JsonbValue *id = FindJsonbKey(jb, "id");
    unsigned char uuid[16];
    if (id && id->type == jbvString &&
        ParseUuidText(id->val.string.val, static_cast<size_t>(id->val.string.len), uuid)) {
        char text[40];
        WriteQuoted(out, text, FormatUuid(uuid, text));  // Prefect validates it as a UUID: canonical form
    } else if (id) {
        WriteJsonbValue(out, id);
    } else {
        PF_LITERAL(out, "null");
    }
    PF_LITERAL(out, ",\"type\":");
    WriteStringField(out, jb, "type", nullptr);
    PF_LITERAL(out, ",\"display_value\":");
    WriteStringField(out, jb, "display_value", nullptr);
    appendStringInfoCharMacro(out, '}');
}

void WriteConcurrencyOptions(StringInfo out, Datum options) {
    Jsonb *jb = DatumGetJsonbP(options);
    if (!JB_ROOT_IS_OBJECT(jb)) {
        WriteJsonbContainer(out, &jb->root);
        return;
    }
    PF_LITERAL(out, "{\"collision_strategy\":");
    WriteStringField(out, jb, "collision_strategy", nullptr);
    PF_LITERAL(out, ",\"grace_period_seconds\":");
    WriteIntegerField(out, jb, "grace_period_seconds");
    appendStringInfoCharMacro(out, '}');
}

void WriteDeploymentSchedule(StringInfo out, const Datum *v, const bool *n) {
    PF_LITERAL(out, "{\"id\":");
    WriteUuid(out, v[kSchedId]);
    PF_LITERAL(out, ",\"created\":");
    if (n[kSchedCreated])
        PF_LITERAL(out, "null");
    else
        WriteTimestamp(out, v[kSchedCreated]);
    PF_LITERAL(out, ",\"updated\":");
    if (n[kSchedUpdated])
        PF_LITERAL(out, "null");
    else
        WriteTimestamp(out, v[kSchedUpdated]);
    PF_LITERAL(out, ",\"deployment_id\":");
    WriteUuid(out, v[kSchedDeploymentId]);
    PF_LITERAL(out, ",\"schedule\":");
    if (n[kSchedSchedule])
        PF_LITERAL(out, "null");
    else
        WriteSchedule(out, DatumGetJsonbP(v[kSchedSchedule]));
    PF_LITERAL(out, ",\"active\":");
    if (n[kSchedActive])
        PF_LITERAL(out, "null");
    else
        WriteBool(out, v[kSchedActive]);
    PF_LITERAL(out, ",\"max_scheduled_runs\":");
    if (n[kSchedMaxScheduledRuns])
        PF_LITERAL(out, "null");
    else
        WriteInt4(out, v[kSchedMaxScheduledRuns]);
    PF_LITERAL(out, ",\"parameters\":");
    if (n[kSchedParameters])
        PF_LITERAL(out, "{}");
    else
        WriteJsonb(out, v[kSchedParameters]);
    PF_LITERAL(out, ",\"slug\":");
    if (n[kSchedSlug])
        PF_LITERAL(out, "null");
    else
        WriteText(out, v[kSchedSlug]);
    appendStringInfoCharMacro(out, '}');
}

// Every column is NOT NULL in Prefect's concurrency_limit_v2.
void WriteGlobalConcurrencyLimit(StringInfo out, const Datum *v, const bool *) {
    PF_LITERAL(out, "{\"id\":");
    WriteUuid(out, v[kLimitId]);
    PF_LITERAL(out, ",\"created\":");
    WriteTimestamp(out, v[kLimitCreated]);
    PF_LITERAL(out, ",\"updated\":");
    WriteTimestamp(out, v[kLimitUpdated]);
    PF_LITERAL(out, ",\"active\":");
    WriteBool(out, v[kLimitActive]);
    PF_LITERAL(out, ",\"name\":");
    WriteText(out, v[kLimitName]);
    PF_LITERAL(out, ",\"limit\":");
    WriteInt4(out, v[kLimitLimit]);
    PF_LITERAL(out, ",\"active_slots\":");
    WriteInt4(out, v[kLimitActiveSlots]);
    PF_LITERAL(out, ",\"slot_decay_per_second\":");
    WriteFloat(out, DatumGetFloat8(v[kLimitSlotDecay]));
    appendStringInfoCharMacro(out, '}');
}

}  // namespace prefect_filter
