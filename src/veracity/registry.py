"""A small typed registry that refuses duplicates and checks an interface.

Registries are filled by explicit imports (see ``veracity.detect.catalog``), never
by scanning folders, so what is registered is visible in the code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to factories producing objects that satisfy ``interface``.

    Args:
        kind: Human name of what is registered, used in messages.
        interface: A ``runtime_checkable`` Protocol or base class every product must satisfy.
    """

    def __init__(self, kind: str, interface: type) -> None:
        self._kind = kind
        self._interface = interface
        self._factories: dict[str, Callable[[], T]] = {}
        self._instances: dict[str, T] = {}
        # Two threads asking for a new product at once must get the same object.
        self._lock = threading.RLock()

    def register(self, name: str, factory: Callable[[], T]) -> None:
        """Register ``factory`` under ``name``; duplicates raise ``ValueError``."""
        if name in self._factories:
            raise ValueError(f"{self._kind} {name!r} is already registered")
        self._factories[name] = factory

    def get(self, name: str) -> T:
        """Return the (cached, lazily created) object registered under ``name``."""
        if name not in self._factories:
            known = ", ".join(sorted(self._factories)) or "none"
            raise KeyError(f"unknown {self._kind} {name!r} (registered: {known})")
        with self._lock:
            if name not in self._instances:
                product = self._factories[name]()
                if not isinstance(product, self._interface):
                    raise TypeError(
                        f"{self._kind} {name!r} does not implement {self._interface.__name__}"
                    )
                self._instances[name] = product
            return self._instances[name]

    def names(self) -> list[str]:
        """Registered names in registration order."""
        return list(self._factories)

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)
