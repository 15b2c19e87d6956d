"""Huey tasks, one module per domain; importing this package registers every module's tasks on `jobs.huey`."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
