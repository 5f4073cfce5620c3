"""Static model data (profiles)."""
