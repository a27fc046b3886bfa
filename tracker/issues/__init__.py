"""Issues, comments and their history."""
