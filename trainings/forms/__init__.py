"""Trainings forms, one module per area."""
