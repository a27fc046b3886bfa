"""Projects and their issue metadata."""
