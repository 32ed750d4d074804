"""interpreter room (see README)."""
