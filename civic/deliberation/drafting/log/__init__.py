"""The update log: every accepted edit a committed row, read back, caught up with, compacted."""
