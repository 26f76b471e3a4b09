"""ui.caches.ByteBudgetCache: the server-wide tensor cache stays under its byte budget."""
import torch

from ui.caches import ByteBudgetCache


def tensor_of(mb):
    return torch.zeros(mb * 2**20, dtype=torch.uint8)


def test_least_recently_used_go_first_and_the_total_stays_under_budget():
    built = []
    cache = ByteBudgetCache(10 * 2**20, lambda t: t.numel())

    def get(key, mb):
        return cache.get_or_build(key, lambda: built.append(key) or tensor_of(mb))

    get("a", 4), get("b", 4), get("a", 4)     # "a" used again: "b" is now the oldest
    get("c", 4)                               # 12 MB > 10 MB: "b" goes
    assert list(cache.entries) == ["a", "c"] and cache.total == 8 * 2**20
    get("b", 4)
    assert built == ["a", "b", "c", "b"] and cache.total <= 10 * 2**20


def test_an_entry_larger_than_the_budget_is_returned_but_not_kept():
    cache = ByteBudgetCache(2**20, lambda t: t.numel())
    cache.get_or_build("small", lambda: tensor_of(1))
    big = cache.get_or_build("big", lambda: tensor_of(3))
    assert big.numel() == 3 * 2**20
    assert list(cache.entries) == ["small"]


def test_many_sessions_wanting_one_missing_entry_build_it_once():
    """A class pressing Start together: one session builds the tensors, the others wait and share them."""
    import threading
    import time

    cache = ByteBudgetCache(10 * 2**20, lambda t: t.numel())
    builds = []

    def build():
        builds.append(1)
        time.sleep(0.3)       # a slow build: the other sessions arrive while it runs
        return tensor_of(1)

    got = []
    threads = [threading.Thread(target=lambda: got.append(cache.get_or_build("names", build))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(got) == 8 and all(value is got[0] for value in got)
    assert len(builds) == 1
    assert cache.get_or_build("other", lambda: tensor_of(1)) is not got[0]   # other keys are not held up
