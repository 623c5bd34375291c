"""Database plumbing: connections with secret-free errors, and named query files."""
