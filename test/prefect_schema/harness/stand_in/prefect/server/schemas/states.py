"""Stand-in: StateDetails, named in Pydantic(...) columns (DDL: jsonb regardless)."""


class StateDetails: pass
