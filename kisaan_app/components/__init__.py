"""Reusable UI pieces: the layout shell, feedback states, form fields, tables."""
