"""The Jinja2 sandbox, on a budget: a template written in the browser can neither reach Python internals
(SandboxedEnvironment) nor make the worker build a gigabyte string or spin for an hour.

The sandbox alone stops `{{ ''.__class__ }}`, not `{{ 'x' * 10**9 }}` (folded at compile time into a 1 GB
string) or three nested loops. So, on top of it:
- the size amplifiers are checked *before* they run: `*`, `**`, `%` and `~`, string methods and filters
  that take a width or count (center, indent, replace, format, ...), `range` (at most MAX_RANGE);
- every loop step, call and operator draws on a per-render budget of steps and wall time;
- the output is streamed and cut off at the channel's cap.
Exceeding any of these raises BudgetExceeded ("size" or "time"); templates.py turns it into a clear error.
No list, dict or set can be mutated from a template (ImmutableSandboxedEnvironment).
"""

import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from jinja2 import nodes
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import pass_eval_context
from jinja2.visitor import NodeTransformer

MAX_RANGE = 1000  # range() in a template: enough for any list a message shows
MAX_STEPS = 20_000  # loop iterations + calls + intercepted operators per render
RENDER_SECONDS = 0.5  # wall time per render: a campaign renders thousands of these
DEFAULT_MAX_CHARS = 20_000  # the email cap; SMS and push ask for less
MAX_INT_BITS = 256  # `**` and int `*` results: far beyond any price or quantity
WIDE_FORMAT = re.compile(r"\d{4,}")  # "%9999d", "{:>9999}": a width or precision of 1000+
SIZED_FILTERS = {"center", "indent", "wordwrap", "truncate", "slice", "batch"}
SIZED_STR_METHODS = {"center", "ljust", "rjust", "zfill", "expandtabs", "splitlines"}


class BudgetExceeded(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "size" | "time"


@dataclass
class Budget:
    max_chars: int = DEFAULT_MAX_CHARS
    deadline: float = field(default_factory=lambda: time.monotonic() + RENDER_SECONDS)
    steps: int = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS or time.monotonic() > self.deadline:
            raise BudgetExceeded("time")

    def fits(self, size: int) -> None:
        if size > self.max_chars:
            raise BudgetExceeded("size")


_current: ContextVar[Budget | None] = ContextVar("template_budget", default=None)


def current() -> Budget:
    """The running render's budget; outside one (compile-time folding), a fresh default budget."""
    return _current.get() or Budget()


def _bits(value: Any) -> int:
    return abs(value).bit_length() if isinstance(value, int) and not isinstance(value, bool) else 0


def _check_binop(operator: str, left: Any, right: Any, budget: Budget) -> None:
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(times, int):
                budget.fits(len(seq) * max(times, 0))
        if _bits(left) + _bits(right) > MAX_INT_BITS:
            raise BudgetExceeded("size")
    elif operator == "**":
        if isinstance(right, int | float) and _bits(left) > 1 and _bits(left) * abs(right) > MAX_INT_BITS:
            raise BudgetExceeded("size")
    elif operator == "%" and isinstance(left, str) and (WIDE_FORMAT.search(left) or "*" in left):
        raise BudgetExceeded("size")


def _check_str_method(obj: str, name: str, args: tuple, kwargs: dict, budget: Budget) -> None:
    numbers = [a for a in (*args, *kwargs.values()) if isinstance(a, int) and not isinstance(a, bool)]
    if name in SIZED_STR_METHODS and numbers:
        budget.fits(max(numbers) * (len(obj) if name == "expandtabs" else 1))
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        grows = max(len(args[1]) - len(args[0]), 0) * (obj.count(args[0]) if args[0] else len(obj) + 1)
        budget.fits(len(obj) + grows)
    elif name in ("format", "format_map") and WIDE_FORMAT.search(obj):
        raise BudgetExceeded("size")


def _guard_filter(name: str, func: Callable) -> Callable:
    """Check a filter's size arguments before it runs, and its result after."""
    value_at = 1 if getattr(func, "jinja_pass_arg", None) else 0  # context/eval_ctx/environment comes first

    @wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        budget = current()
        budget.step()
        value = args[value_at] if len(args) > value_at else None
        sized = [a for a in (*args[value_at + 1 :], *kwargs.values()) if isinstance(a, int) and not isinstance(a, bool)]
        if name in SIZED_FILTERS and sized:
            budget.fits(max(sized) if name != "indent" else max(sized) * (str(value).count("\n") + 1))
        if name == "format" and isinstance(value, str) and WIDE_FORMAT.search(value):
            raise BudgetExceeded("size")
        if name == "replace" and isinstance(value, str) and len(args) > value_at + 2:
            _check_str_method(value, "replace", tuple(args[value_at + 1 : value_at + 3]), {}, budget)
        result = func(*args, **kwargs)
        if isinstance(result, str):
            budget.fits(len(result))
        return result

    return guarded


def _budget_iter(iterable: Iterable) -> Iterator:
    budget = current()
    for item in iterable:
        budget.step()
        yield item


@pass_eval_context
def _budget_concat(eval_ctx: Any, parts: tuple) -> str:
    """`a ~ b ~ c`: the total length is checked before the join (doubling a string in a loop is the attack)."""
    texts = [str(p) for p in parts]
    current().fits(sum(len(t) for t in texts))
    return (markup_join if eval_ctx.autoescape else str_join)(parts)


def _capped_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise BudgetExceeded("size")
    return numbers


class _GuardTree(NodeTransformer):
    """Loops go through _budget_iter and `~` through _budget_concat (rewritten before code generation)."""

    def __init__(self, environment: Any) -> None:
        self.environment = environment

    def _filter(self, node: nodes.Expr, name: str, lineno: int) -> nodes.Filter:
        wrapped = nodes.Filter(node, name, [], [], None, None, lineno=lineno)
        wrapped.set_environment(self.environment)
        return wrapped

    def visit_For(self, node: nodes.For) -> nodes.For:
        node = self.generic_visit(node)
        node.iter = self._filter(node.iter, "_budget_iter", node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Filter:
        node = self.generic_visit(node)
        return self._filter(nodes.Tuple(node.nodes, "load", lineno=node.lineno), "_budget_concat", node.lineno)


class BudgetedEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals.pop("lipsum", None)  # lipsum(n=10**9) loops in Python, out of the budget's reach
        self.globals["range"] = _capped_range
        self.filters = {name: _guard_filter(name, f) for name, f in self.filters.items()}
        self.filters["_budget_iter"] = _budget_iter
        self.filters["_budget_concat"] = _budget_concat

    def _generate(self, source: nodes.Template, name: str | None, filename: str | None, defer_init: bool = False):
        return super()._generate(_GuardTree(self).visit(source), name, filename, defer_init)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        budget = current()
        budget.step()
        _check_binop(operator, left, right, budget)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        budget = current()
        budget.step()
        method = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format in its own function
        owner = getattr(method, "__self__", None)
        if isinstance(owner, str):
            _check_str_method(owner, getattr(method, "__name__", ""), args, kwargs, budget)
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, str | list | tuple):
            budget.fits(len(result))
        return result


def render_within(template: Any, data: dict, max_chars: int) -> str:
    """Render a compiled template, streaming, under a fresh budget; raises BudgetExceeded."""
    budget = Budget(max_chars=max_chars)
    token = _current.set(budget)
    try:
        out: list[str] = []
        size = 0
        for chunk in template.generate(**data):
            size += len(chunk)
            budget.fits(size)
            budget.step()
            out.append(chunk)
        return "".join(out)
    finally:
        _current.reset(token)
