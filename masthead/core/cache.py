"""The embedded default's cache backend."""

from diskcache import DjangoCache


class PersistentDiskCache(DjangoCache):
    """diskcache's Django backend, keeping its SQLite connections between requests.

    Django closes every cache at the end of each request; for diskcache that
    drops the per-thread SQLite connections, and reopening one replays a dozen
    PRAGMAs per shard, which cost more than the cache lookups they serve.
    Connections are per thread and safe to keep.
    """

    def close(self, **kwargs):
        pass
