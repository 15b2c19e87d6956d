"""One key per rendered create form (services/market/form_keys.py): a double tap sends the same key twice and
the service makes one record. A new key after each success also remounts the form (its React `key`), which
empties it; after an error the key stays, so what was typed stays too."""

import secrets


def new_form_key() -> str:
    return secrets.token_urlsafe(12)
