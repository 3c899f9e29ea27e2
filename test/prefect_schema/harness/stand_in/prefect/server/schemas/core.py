"""Stand-in: the models named in Pydantic(...) columns (DDL: jsonb regardless)."""


class QueueFilter: pass
class CreatedBy: pass
class UpdatedBy: pass
class TaskRunPolicy: pass
class TaskRunResult: pass
class Parameter: pass
class Constant: pass
class ConcurrencyOptions: pass
class WorkPoolStorageConfiguration: pass
