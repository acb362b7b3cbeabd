"""Merkle tree math of RFC 9162 (Certificate Transparency 2.0), section 2.1: pure functions, no I/O.

Leaves are ledger entries in order; leaf ``i`` is entry ``seq = i + 1``. Hashes are SHA-256:

- leaf hash = SHA-256(0x00 || entry hash), node hash = SHA-256(0x01 || left || right);
- MTH of an empty list = SHA-256(""); for n > 1, with k the largest power of two below n,
  MTH(D[0:n]) = node(MTH(D[0:k]), MTH(D[k:n])) (RFC 9162 2.1.1).

Every node of that tree is either a *complete* subtree (``2**level`` leaves starting at a multiple of
``2**level``, named ``(level, index)``) or lies on the right edge. Proof generation asks a :data:`CompleteHash`
callback for complete subtrees only, so a caller can answer from stored subtree hashes and a few leaves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Final

__all__ = [
    "EMPTY_ROOT",
    "CompleteHash",
    "Frontier",
    "complete_ranges",
    "consistency_proof",
    "consistency_ranges",
    "inclusion_proof",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "subtree_hash",
    "verify_consistency",
    "verify_inclusion",
]

EMPTY_ROOT: Final = hashlib.sha256(b"").digest()
CompleteHash = Callable[[int, int], bytes]
"""``(level, index) -> hash`` of the complete subtree of leaves ``[index * 2**level, (index + 1) * 2**level)``."""


def leaf_hash(entry_hash: bytes) -> bytes:
    """RFC 9162 leaf hash of one ledger entry (its 32-byte entry hash is the leaf's data)."""
    return hashlib.sha256(b"\x00" + entry_hash).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly below ``size`` (``size >= 2``)."""
    return 1 << ((size - 1).bit_length() - 1)


def subtree_hash(start: int, end: int, complete: CompleteHash) -> bytes:
    """MTH of leaves ``[start, end)``, a node of the RFC tree (``start`` aligned to the subtree's split).

    Raises:
        ValueError: for an empty or misaligned range.
    """
    size = end - start
    if size <= 0:
        raise ValueError(f"empty range [{start}, {end})")
    if size & (size - 1) == 0:
        level = size.bit_length() - 1
        if start % size:
            raise ValueError(f"range [{start}, {end}) is not aligned")
        return complete(level, start >> level)
    k = _split(size)
    return node_hash(subtree_hash(start, start + k, complete), subtree_hash(start + k, end, complete))


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs make up the inclusion proof of leaf ``index`` in a tree of ``size`` leaves,
    in proof order (RFC 9162 2.1.3.1, ``PATH(m, D[n])``).

    Raises:
        ValueError: when ``index`` is not a leaf of the tree.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()  # the recursion emits the sibling nearest the leaf first
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs make up the consistency proof between trees of ``old_size`` and ``new_size``
    leaves, in proof order (RFC 9162 2.1.4.1, ``PROOF(m, D[n])``); empty when the sizes are equal or old is 0.

    Raises:
        ValueError: when ``old_size > new_size`` or a size is negative.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"cannot prove {old_size} leaves consistent with {new_size}")
    if old_size in (0, new_size):
        return []
    ranges: list[tuple[int, int]] = []
    start, end, known = 0, new_size, True
    m = old_size
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            m -= k
            known = False
    if not known:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def inclusion_proof(index: int, size: int, complete: CompleteHash) -> list[bytes]:
    """The audit path of leaf ``index`` in a tree of ``size`` leaves."""
    return [subtree_hash(start, end, complete) for start, end in inclusion_ranges(index, size)]


def consistency_proof(old_size: int, new_size: int, complete: CompleteHash) -> list[bytes]:
    """The consistency proof between the trees of ``old_size`` and ``new_size`` leaves."""
    return [subtree_hash(start, end, complete) for start, end in consistency_ranges(old_size, new_size)]


def complete_ranges(start: int, end: int) -> list[tuple[int, int]]:
    """The complete subtrees ``(level, index)`` that :func:`subtree_hash` asks for to hash ``[start, end)``."""
    found: list[tuple[int, int]] = []

    def record(level: int, index: int) -> bytes:
        found.append((level, index))
        return EMPTY_ROOT

    subtree_hash(start, end, record)
    return found


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """Check an inclusion proof of ``leaf`` (a leaf hash) at ``index`` against ``root`` (RFC 9162 2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """Check that the tree of ``new_size`` leaves extends the tree of ``old_size`` (RFC 9162 2.1.4.2).

    Equal sizes need an empty proof and equal roots; an empty old tree is consistent with anything.
    """
    if not 0 <= old_size <= new_size:
        return False
    if old_size == 0:
        return not proof
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


class Frontier:
    """The complete subtrees that cover the first ``size`` leaves, one per set bit of ``size``: enough to append
    leaves and to compute the root at any size, in O(log n) memory (a "compact range")."""

    __slots__ = ("levels", "nodes", "size")

    def __init__(self) -> None:
        """An empty tree."""
        self.size = 0
        self.levels: list[int] = []
        self.nodes: list[bytes] = []

    @staticmethod
    def covering(size: int) -> list[tuple[int, int]]:
        """The complete subtrees ``(level, index)`` covering ``[0, size)``, largest first."""
        found: list[tuple[int, int]] = []
        start = 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                found.append((level, start >> level))
                start += 1 << level
        return found

    @classmethod
    def resume(cls, size: int, hashes: Iterable[bytes]) -> Frontier:
        """The frontier of a tree of ``size`` leaves from the hashes of :meth:`covering` ``(size)``, in order.

        Raises:
            ValueError: when the number of hashes does not match.
        """
        frontier = cls()
        frontier.size = size
        frontier.levels = [level for level, _ in cls.covering(size)]
        frontier.nodes = list(hashes)
        if len(frontier.nodes) != len(frontier.levels):
            raise ValueError(f"a tree of {size} leaves needs {len(frontier.levels)} subtree hashes")
        return frontier

    def push(self, level: int, digest: bytes) -> list[tuple[int, int, bytes]]:
        """Append a complete subtree of ``2**level`` leaves (a leaf hash at level 0); ``size`` must be a multiple
        of ``2**level``. Returns the complete subtrees this finished, ``(level, index, hash)``, lowest first.

        Raises:
            ValueError: when the subtree would be misaligned.
        """
        if self.size % (1 << level):
            raise ValueError(f"a subtree of level {level} cannot follow {self.size} leaves")
        self.size += 1 << level
        finished: list[tuple[int, int, bytes]] = []
        levels, nodes = self.levels, self.nodes
        while levels and levels[-1] == level:
            levels.pop()
            digest = node_hash(nodes.pop(), digest)
            level += 1
            finished.append((level, (self.size >> level) - 1, digest))
        levels.append(level)
        nodes.append(digest)
        return finished

    def root(self) -> bytes:
        """MTH of the first ``size`` leaves."""
        if not self.nodes:
            return EMPTY_ROOT
        digest = self.nodes[-1]
        for node in reversed(self.nodes[:-1]):
            digest = node_hash(node, digest)
        return digest
