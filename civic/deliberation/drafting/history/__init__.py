"""A document's history: versions after each burst of activity or named, and who wrote what."""
