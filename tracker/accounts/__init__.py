"""Users, groups and API tokens."""
