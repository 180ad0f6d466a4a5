"""Groups of linked columns, for findings said once (a correlated group, columns missing
together): the connected components of a graph whose edges are strong pairwise links."""

from __future__ import annotations

from collections.abc import Iterable


def linked_groups(edges: Iterable[tuple[int, int]], min_size: int) -> list[list[int]]:
    """The connected components of ``edges`` with at least ``min_size`` nodes, each sorted,
    ordered by their smallest node: a result that depends on the links, not on their order
    (union-find, the smaller root kept)."""
    parent: dict[int, int] = {}

    def root(a: int) -> int:
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i, j in edges:
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    components: dict[int, list[int]] = {}
    for node in sorted(parent):
        components.setdefault(root(node), []).append(node)
    return [members for _, members in sorted(components.items()) if len(members) >= min_size]
