"""Trainings selectors, one module per area (sessions, registrations, attendance, assessments...)."""
