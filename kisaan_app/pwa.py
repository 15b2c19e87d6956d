"""PWA head tags (placeholder until the PWA assets land)."""


def head_components() -> list:
    return []
