"""RFC 9162 tree math against a naive reference: roots, frontiers, inclusion and consistency proofs (hypothesis)."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.audit import merkle


def _leaves(count: int) -> list[bytes]:
    return [merkle.leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(count)]


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 2.1.1."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def reference_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) straight from RFC 9162 2.1.3.1."""
    if len(leaves) == 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if m < k:
        return [*reference_path(m, leaves[:k]), reference_root(leaves[k:])]
    return [*reference_path(m - k, leaves[k:]), reference_root(leaves[:k])]


def reference_subproof(m: int, leaves: list[bytes], known: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) straight from RFC 9162 2.1.4.1."""
    n = len(leaves)
    if m == n:
        return [] if known else [reference_root(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*reference_subproof(m, leaves[:k], known), reference_root(leaves[k:])]
    return [*reference_subproof(m - k, leaves[k:], False), reference_root(leaves[:k])]


def complete_from(leaves: list[bytes]) -> merkle.CompleteHash:
    def complete(level: int, index: int) -> bytes:
        return reference_root(leaves[index << level:(index + 1) << level])

    return complete


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=300))
def test_frontier_root_equals_the_rfc_root(size: int) -> None:
    leaves = _leaves(size)
    frontier = merkle.Frontier()
    for leaf in leaves:
        frontier.push(0, leaf)
    assert frontier.root() == reference_root(leaves)
    resumed = merkle.Frontier.resume(size, [complete_from(leaves)(level, index)
                                            for level, index in merkle.Frontier.covering(size)])
    assert resumed.root() == frontier.root()


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_inclusion_proofs_match_the_rfc_and_verify(size: int, data: st.DataObject) -> None:
    leaves = _leaves(size)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    root = reference_root(leaves)
    proof = merkle.inclusion_proof(index, size, complete_from(leaves))
    assert proof == reference_path(index, leaves)
    assert merkle.verify_inclusion(index, size, leaves[index], proof, root)
    other = leaves[(index + 1) % size] if size > 1 else merkle.leaf_hash(b"x")
    assert not merkle.verify_inclusion(index, size, other, proof, root)  # a wrong leaf
    assert not merkle.verify_inclusion(index, size, leaves[index], proof, merkle.leaf_hash(b"x"))  # a wrong root
    if proof:
        broken = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
        assert not merkle.verify_inclusion(index, size, leaves[index], broken, root)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_consistency_proofs_match_the_rfc_and_verify(new_size: int, data: st.DataObject) -> None:
    leaves = _leaves(new_size)
    old_size = data.draw(st.integers(min_value=1, max_value=new_size))
    old_root, new_root = reference_root(leaves[:old_size]), reference_root(leaves)
    proof = merkle.consistency_proof(old_size, new_size, complete_from(leaves))
    expected = [] if old_size == new_size else reference_subproof(old_size, leaves, True)
    assert proof == expected
    assert merkle.verify_consistency(old_size, new_size, old_root, new_root, proof)
    wrong = merkle.leaf_hash(b"x")
    assert not merkle.verify_consistency(old_size, new_size, wrong, new_root, proof)
    if old_size != new_size:
        assert not merkle.verify_consistency(old_size, new_size, old_root, wrong, proof)
        changed = reference_root([*leaves[:old_size - 1], wrong])
        assert not merkle.verify_consistency(old_size, new_size, changed, new_root, proof)


def test_edge_cases() -> None:
    assert merkle.Frontier().root() == merkle.EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, b"r" * 32, [])
    assert not merkle.verify_consistency(3, 2, b"a", b"b", [])
    assert not merkle.verify_consistency(2, 3, b"a", b"b", [])
    assert not merkle.verify_inclusion(5, 5, b"l", [], b"r")
    assert merkle.consistency_ranges(0, 9) == merkle.consistency_ranges(9, 9) == []
    assert merkle.complete_ranges(0, 6) == [(2, 0), (1, 2)]
