"""Sharded collections: where each id lives (placement) and how buckets move between shards."""
