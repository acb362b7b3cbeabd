"""The tamper-evident audit ledger: a hash chain of entries, RFC 9162 Merkle checkpoints, proofs, verification."""
