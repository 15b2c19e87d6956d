"""The one way a Reflex event handler touches data: `@guarded(...)`, and `off_loop` for the work itself.

Every public method on a State is an event any client can call, so each one that reads or writes data goes
through `guarded`: it authorises (SessionState's guard), refuses unknown form keys and oversized values,
clears the page's error, runs the body and turns a DomainError into the reader's words (a field error stays
beside its field). A test walks every State and fails on a public handler that is not guarded.

Reflex runs a plain (sync) handler on the event loop while it holds the client's state lock: one slow query
would stall every client of the process. So guarded handlers are async, and their database and provider
work runs in a thread through `off_loop`; the thread gets plain values and returns plain values, and only
the handler (back on the loop) copies them into vars.
"""

import asyncio
import functools
import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import reflex as rx

from kisaan_app.db import is_outage
from kisaan_app.services.errors import DomainError, ErrorCode, ServiceUnavailable, ValidationFailed

log = logging.getLogger(__name__)

GUARD_MARK = "__kisaan_guarded__"
# A handler's plain text arguments (an id, a status, a receipt) are short; anything longer is not from our pages.
MAX_ARG_LENGTH = 200
T = TypeVar("T")


async def off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking work (a database session, a provider call, a CPU-heavy decode) in a worker thread."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def check_form(form: Any, fields: Mapping[str, int | str]) -> dict[str, str]:
    """The submitted form as text, or a refusal: a key the page does not have, or a value over its size.

    `fields` maps each input's name to its maximum length. Reflex also sends the value of every input that has
    an element id under that id (dashes → underscores): such a key maps to the name of the input it mirrors.
    """
    if not isinstance(form, Mapping):
        raise ValidationFailed("invalid_request")
    unknown = [k for k in form if k not in fields]
    if unknown:
        raise ValidationFailed("invalid_request", field=str(unknown[0])[:40])
    out: dict[str, str] = {}
    for key, value in form.items():
        text = "" if value is None else str(value) if isinstance(value, (str, int, float, bool)) else None
        if text is None:
            raise ValidationFailed("invalid_request", field=key)
        limit = fields[key]
        limit = fields[limit] if isinstance(limit, str) else limit
        if len(text) > int(limit):
            raise ValidationFailed("too_long", field=key, max=limit)
        if "\x00" in text:  # no page types a NUL; PostgreSQL refuses it in text, so it never reaches a service
            raise ValidationFailed("invalid_request", field=key)
        out[key] = text
    return out


def _check_args(args: tuple, kwargs: dict) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, str) and len(value) > MAX_ARG_LENGTH:
            raise ValidationFailed("too_long", max=MAX_ARG_LENGTH)
        if isinstance(value, str) and "\x00" in value:
            raise ValidationFailed("invalid_request")


def _database_gone(err: Exception, fn: Callable) -> DomainError:
    """The database is unreachable: the reader is told so and to try again (nothing was saved); any other error
    is re-raised as it was."""
    if not is_outage(err):
        raise err
    log.warning("database unavailable in %s: %s", fn.__qualname__, type(err).__name__)
    return ServiceUnavailable(ErrorCode.DATABASE_UNAVAILABLE, retry_after_seconds=5)


def _show_error(state, err: DomainError, error: str | None, fields: str | None, field_names: Mapping[str, str]):
    message = state._error(err)
    field = field_names.get(err.field or "", err.field)
    if fields and (field or not error):
        setattr(state, fields, {field or "form": message})
    elif error:
        setattr(state, error, message)


def guarded(
    *roles: str,
    public: bool = False,
    error: str | None = "error",
    fields: str | None = None,
    field_names: Mapping[str, str] | None = None,
    clear: tuple[str, ...] = (),
    form: Mapping[str, int | str] | None = None,
    background: bool = False,
):
    """Decorate `async def handler(self, principal, *args)` into the event `handler(*args)`.

    roles: who may call it; none given: the class's `guard_roles` (none there either: anyone signed in).
    public: anyone, signed in or not (principal is None).
    error / fields: the str var that shows an error, the dict var that shows field errors (both cleared first).
    field_names: service field → form field (price_paise → price). clear: more str vars to blank first.
    form: the allowed keys of the handler's `form` argument and each one's maximum length (see check_form).
    background: a Reflex background event: the session lookup runs unlocked, the rest of the guard inside
    `async with self`; the body locks for itself around what it writes.
    """
    names = dict(field_names or {})

    def decorate(fn: Callable) -> Callable:
        body_is_async = inspect.iscoroutinefunction(fn)
        sig = inspect.signature(fn)
        params = list(sig.parameters.values())
        if len(params) < 2 or params[1].name != "principal":
            raise TypeError(f"{fn.__qualname__}: a guarded handler takes (self, principal, ...)")

        def prepare(self, args: tuple, kwargs: dict):
            for name in (*clear, error):
                if name:
                    setattr(self, name, "")
            if fields:
                setattr(self, fields, {})
            _check_args(args, kwargs)
            if form is not None:
                if "form" in kwargs:
                    kwargs["form"] = check_form(kwargs["form"], form)
                elif args:
                    args = (check_form(args[0], form), *args[1:])
            return args, kwargs

        async def run(self, principal, args, kwargs):
            result = fn(self, principal, *args, **kwargs)
            return await result if body_is_async else result

        async def handler(self, *args, **kwargs):
            principal = None
            try:
                if not public:
                    principal, denied = await self._authorize(*(roles or self.guard_roles))
                    if denied is not None:
                        return denied
                args, kwargs = prepare(self, args, kwargs)
                return await run(self, principal, args, kwargs)
            except DomainError as err:
                _show_error(self, err, error, fields, names)
                return None
            except Exception as err:
                _show_error(self, _database_gone(err, fn), error, fields, names)
                return None

        async def background_handler(self, *args, **kwargs):
            principal = None
            try:
                # The session lookup first, before the state is locked: a crowd of tabs queued for the database
                # holds no state lock meanwhile (Redis state locks expire after 10 s, and the state is then lost).
                checked = None if public else await self._check_access(*(roles or self.guard_roles))
            except Exception as err:
                shown = err if isinstance(err, DomainError) else _database_gone(err, fn)
                async with self:
                    _show_error(self, shown, error, fields, names)
                return None
            async with self:
                try:
                    if checked is not None:
                        principal, denied = self._admit(*checked)
                        if denied is not None:
                            return denied
                    args, kwargs = prepare(self, args, kwargs)
                except DomainError as err:
                    _show_error(self, err, error, fields, names)
                    return None
                except Exception as err:
                    _show_error(self, _database_gone(err, fn), error, fields, names)
                    return None
            try:
                return await run(self, principal, args, kwargs)
            except DomainError as err:
                async with self:
                    _show_error(self, err, error, fields, names)
                return None
            except Exception as err:
                gone = _database_gone(err, fn)
                async with self:
                    _show_error(self, gone, error, fields, names)
                return None

        wrapper = functools.wraps(fn)(background_handler if background else handler)
        # Reflex reads the event's arguments from the signature and annotations: hide `principal`.
        wrapper.__signature__ = sig.replace(parameters=[params[0], *params[2:]])
        wrapper.__annotations__ = {k: v for k, v in fn.__annotations__.items() if k != "principal"}
        del wrapper.__wrapped__
        shown_in = [v for v in (error, fields, *clear) if v]
        setattr(wrapper, GUARD_MARK, {"roles": roles, "public": public, "vars": shown_in})
        return rx.event(background=True)(wrapper) if background else wrapper

    return decorate


def is_guarded(fn: Callable) -> bool:
    return hasattr(fn, GUARD_MARK)
