"""In-app notifications: who is told about a change, batching of rapid changes, reading them."""
