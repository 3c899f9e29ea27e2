"""Stand-in: ConcurrencyLeaseHolder (only reached for existing v1 limits with active slots)."""


class ConcurrencyLeaseHolder:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("stand-in prefect: lease holders are not available (empty database only)")
