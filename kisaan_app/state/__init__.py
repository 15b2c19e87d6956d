"""Reflex states: thin layers that read the session, call a service and copy results into vars."""
