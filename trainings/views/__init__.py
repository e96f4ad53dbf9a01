"""Trainings views, one module per area (sessions, registrations, attendance, assessments...)."""
