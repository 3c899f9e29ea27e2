// Where Prefect's tables are and whether we serve them (see tables_schema.hpp). No C++ object
// with a destructor lives here: everything below may ereport.
#include "pg/tables_schema.hpp"

#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "compiler/prefect_heads.hpp"
#include "compiler/request_spec.hpp"
#include "utils/rel.h"
#include "utils/relcache.h"

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

// IndexedSorts' answer for one deployment table, until a relcache invalidation of that table
// (an index created, dropped or made valid) or of every relation.
struct IndexedSortsCache {
    bool valid = false;
    bool callback_registered = false;
    Oid relid = InvalidOid;
    uint32 sorts = 0;
};
IndexedSortsCache indexed_sorts_cache;

void ForgetIndexedSorts(Datum, Oid relid) {
    if (!OidIsValid(relid) || relid == indexed_sorts_cache.relid) indexed_sorts_cache.valid = false;
}

// Is `index` a valid, whole-table btree index whose first key is a plain column? Returns that
// column (InvalidAttrNumber if not).
AttrNumber BtreeLeadingColumn(Oid index) {
    HeapTuple cls = SearchSysCache1(RELOID, ObjectIdGetDatum(index));
    if (!HeapTupleIsValid(cls)) return InvalidAttrNumber;
    bool btree = reinterpret_cast<Form_pg_class>(GETSTRUCT(cls))->relam == BTREE_AM_OID;
    ReleaseSysCache(cls);
    HeapTuple idx = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
    if (!HeapTupleIsValid(idx)) return InvalidAttrNumber;
    auto *form = reinterpret_cast<Form_pg_index>(GETSTRUCT(idx));
    bool usable =
        btree && form->indisvalid && form->indnkeyatts > 0 && heap_attisnull(idx, Anum_pg_index_indpred, nullptr);
    AttrNumber lead = usable ? form->indkey.values[0] : InvalidAttrNumber;
    ReleaseSysCache(idx);
    return lead;
}

uint32 ReadIndexedSorts(Oid relid) {
    AttrNumber columns[kDeploymentSortCount];
    for (size_t i = 0; i < kDeploymentSortCount; ++i) columns[i] = get_attnum(relid, kDeploymentSorts[i].column);
    uint32 sorts = 0;
    Relation rel = table_open(relid, AccessShareLock);
    List *indexes = RelationGetIndexList(rel);
    ListCell *lc;
    foreach (lc, indexes) {
        AttrNumber lead = BtreeLeadingColumn(lfirst_oid(lc));
        for (size_t i = 0; i < kDeploymentSortCount; ++i)
            if (lead != InvalidAttrNumber && lead == columns[i]) sorts |= SortBit(kDeploymentSorts[i].sort);
    }
    list_free(indexes);
    table_close(rel, AccessShareLock);
    return sorts;
}

}  // namespace

uint32 IndexedSorts(const char *schema) {
    Oid nsp = get_namespace_oid(schema, true);
    Oid relid = OidIsValid(nsp) ? get_relname_relid("deployment", nsp) : InvalidOid;
    if (!OidIsValid(relid)) return 0;  // the page statement will report the missing table
    IndexedSortsCache &cache = indexed_sorts_cache;
    if (!cache.callback_registered) {
        CacheRegisterRelcacheCallback(ForgetIndexedSorts, 0);
        cache.callback_registered = true;
    }
    if (!cache.valid || cache.relid != relid) {
        cache.valid = false;
        cache.relid = relid;
        cache.sorts = ReadIndexedSorts(relid);
        cache.valid = true;
    }
    return cache.sorts;
}

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
