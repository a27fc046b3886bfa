"""tracklake."""
