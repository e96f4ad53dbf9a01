"""Trainings views, one module per area."""
