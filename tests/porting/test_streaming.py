"""10,000-post exports are read as streams: the readers' memory stays small and flat
however long the file (the full 10,000-post import, database included, is measured by
bench/import.py and by the opt-in tests/porting/test_large.py)."""

import tracemalloc

from bench import porting_files
from masthead.porting import ghost_file, wxr

POSTS = 10_000
# A reader that kept the posts (tens of MB of text) or built a DOM would pass this many
# times over; one item at a time stays well under it.
PEAK_LIMIT = 8 * 1024 * 1024


def _peak(read) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = read()
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_10000_post_wxr_is_read_one_item_at_a_time(tmp_path):
    path = porting_files.write_wxr(tmp_path / "large.xml", POSTS)
    assert path.stat().st_size > 30 * 1024 * 1024

    def read() -> int:
        wxr.check(path)
        return sum(1 for record in wxr.read(path) if isinstance(record, wxr.Item))

    count, peak = _peak(read)
    assert count == POSTS
    assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.1f} MiB"


def test_a_10000_post_ghost_export_is_read_one_post_at_a_time(tmp_path):
    path = porting_files.write_ghost(tmp_path / "large.json", POSTS)
    (prefix, small), small_peak = _peak(lambda: ghost_file.read_small_tables(path))
    # The relation tables (post -> tags, post -> authors) are kept, as ids only: a few
    # MB for 10,000 posts, against ~100 MB for the parsed file.
    assert len(small["posts_tags"]) >= POSTS
    assert small_peak < 4 * PEAK_LIMIT, f"peak {small_peak / 2**20:.1f} MiB"
    count, peak = _peak(lambda: sum(1 for _ in ghost_file.stream_table(path, prefix, "posts")))
    assert count == POSTS
    assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.1f} MiB"
