"""Trainings services, one module per area (sessions, registrations, attendance, assessments...)."""
