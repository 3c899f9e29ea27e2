"""Stand-in for the lease storage that migration 9e83011d1f2a (v1 -> v2 concurrency limits)
obtains unconditionally. It only creates leases for v1 limits with active slots, which an empty
database has none of; anything that would use it raises."""


class ConcurrencyLimitLeaseMetadata:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("stand-in prefect: lease storage is not available (empty database only)")


class _NoLeaseStorage:
    def __getattr__(self, name):
        raise NotImplementedError("stand-in prefect: lease storage is not available (empty database only)")


def get_concurrency_lease_storage():
    return _NoLeaseStorage()
