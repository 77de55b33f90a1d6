"""SMART goal checks: a verdict per letter, attainability as a probability from history,
bottom-up bias detection and plan health."""
