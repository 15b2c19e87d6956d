"""Kisaansay: a real-time platform for farmers, FPOs and buyers."""
