//! Corpus processing helpers: JSONL records, sharding (being written).
