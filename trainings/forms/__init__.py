"""Trainings forms, one module per area (sessions, registrations, attendance, assessments...)."""
