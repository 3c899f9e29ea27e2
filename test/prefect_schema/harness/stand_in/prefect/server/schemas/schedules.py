"""Stand-in: SCHEDULE_TYPES, named in Pydantic(...) columns (DDL: jsonb regardless)."""


class _ScheduleTypes: pass


SCHEDULE_TYPES = _ScheduleTypes
