"""Trainings selectors, one module per area."""
