"""Trainings services, one module per area."""
