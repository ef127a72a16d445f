"""The response cache stays within its byte bound counting what its entries really hold, keys included."""
from cdkg.endpoint.cache import ResponseCache, footprint

BOUND = 200_000


def test_long_keys_with_small_answers_stay_within_the_bound():
    cache = ResponseCache(BOUND, BOUND)
    # a long query text with a tiny answer: the key, not the body, is what fills memory
    for number in range(2_000):
        cache.put(("query", f"SELECT * WHERE {{ ?s ?p ?o }} # {number} " + "x" * 2_000, None, "json"), (b"{}", "j"))
    held = sum(footprint(key) + footprint(value) for key, (_, value) in cache.entries.items())
    assert held <= BOUND
    assert cache.size == held
    assert 0 < len(cache.entries) < BOUND // 2_000


def test_least_recently_used_entries_go_first():
    cache = ResponseCache(BOUND, BOUND)
    body = b"x" * (BOUND // 4)
    for name in ("a", "b", "c"):
        cache.put(name, body)
    assert cache.lookup("a") == body  # now the most recently used
    cache.put("d", body)
    assert set(cache.entries) == {"a", "c", "d"}


def test_an_entry_over_the_entry_limit_is_not_kept():
    cache = ResponseCache(BOUND, BOUND // 10)
    cache.put("big", b"x" * (BOUND // 5))
    assert cache.lookup("big") is None and cache.size == 0
