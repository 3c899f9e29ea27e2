"""Stand-in: ReceivedEvent, named in Pydantic(...) columns (DDL: jsonb)."""


class ReceivedEvent: pass
