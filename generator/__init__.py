"""generator room (see README)."""
