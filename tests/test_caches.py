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
