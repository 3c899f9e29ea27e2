"""Stand-in: run_coro_as_sync (only reached for existing v1 concurrency limits)."""


def run_coro_as_sync(coro):
    coro.close()
    raise NotImplementedError("stand-in prefect: run_coro_as_sync is not available (empty database only)")
