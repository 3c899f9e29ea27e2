"""Stand-in: ServerActionTypes, named in Pydantic(List[...]) columns (DDL: jsonb)."""


class ServerActionTypes: pass
