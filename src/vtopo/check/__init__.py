"""`vtopo check`: EXPLAIN-based proof that the wiring ships searches and filters."""
