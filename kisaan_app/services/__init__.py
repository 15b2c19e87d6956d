"""Business rules, one place, no Reflex or HTTP types (see ../../DESIGN in shared/)."""
