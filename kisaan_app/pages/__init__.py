"""One module per page: builds components and reads state (a regular package, so the import contracts see it)."""
