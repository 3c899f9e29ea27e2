// Where Prefect's tables are and whether we serve them (see tables_schema.hpp). No C++ object
// with a destructor lives here: everything below may ereport.
#include "pg/tables_schema.hpp"

#include "compiler/prefect_heads.hpp"

namespace prefect_filter {

namespace {

bool RelationExists(const char *schema, const char *relation) {
    Oid nsp = get_namespace_oid(schema, true);
    return OidIsValid(nsp) && OidIsValid(get_relname_relid(relation, nsp));
}

bool SupportedHead(const char *head) {
    for (const PrefectHead &h : kPrefectHeads)
        if (strcmp(h.head, head) == 0) return true;
    return false;
}

}  // namespace

const char *TablesSchema(const char *setting) {
    if (setting != nullptr && setting[0] != '\0') return setting;
    if (RelationExists("prefect", "deployment")) return "prefect";
    if (RelationExists("public", "alembic_version") && RelationExists("public", "deployment")) return "public";
    return "prefect";
}

void CheckPrefectHead(const char *schema) {
    Oid nsp = get_namespace_oid(schema, true);
    Oid relid = OidIsValid(nsp) ? get_relname_relid("alembic_version", nsp) : InvalidOid;
    if (!OidIsValid(relid)) return;  // not a database Prefect migrated: the extension's own tables
    AclResult acl = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
    if (acl != ACLCHECK_OK) aclcheck_error(acl, OBJECT_TABLE, get_rel_name(relid));
    AttrNumber column = get_attnum(relid, "version_num");
    if (column == InvalidAttrNumber)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("prefect_filter: %s.alembic_version has no column version_num", schema)));

    StringInfoData found;
    initStringInfo(&found);
    bool supported = true;
    int heads = 0;
    Relation rel = table_open(relid, AccessShareLock);
    TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, nullptr);
    HeapTuple tuple;
    while ((tuple = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
        bool isnull = false;
        Datum value = heap_getattr(tuple, column, RelationGetDescr(rel), &isnull);
        char *head = isnull ? pstrdup("NULL") : TextDatumGetCString(value);
        appendStringInfo(&found, "%s%s", heads++ > 0 ? ", " : "", head);
        if (isnull || !SupportedHead(head)) supported = false;
    }
    table_endscan(scan);
    table_close(rel, AccessShareLock);
    if (supported && heads > 0) return;

    StringInfoData known;
    initStringInfo(&known);
    for (const PrefectHead &h : kPrefectHeads)
        appendStringInfo(&known, "%s%s (%s)", known.len > 0 ? ", " : "", h.head, h.releases);
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("prefect_filter: Prefect's database in schema \"%s\" is at alembic head %s, which this "
                           "version of prefect_filter has not been verified against",
                           schema, heads > 0 ? found.data : "(none: alembic_version is empty)"),
                    errdetail("Supported heads: %s.", known.data),
                    errhint("Install a prefect_filter version that supports this Prefect release.")));
}

}  // namespace prefect_filter
