"""Stand-in: Firing, ServerTriggerTypes, named in Pydantic(...) columns (DDL: jsonb)."""


class Firing: pass
class ServerTriggerTypes: pass
