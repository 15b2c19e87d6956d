"""Bringing an FPO's members in: a CSV checked line by line (members.py, csv_file.py), then worked through by a
durable job (runner.py)."""
