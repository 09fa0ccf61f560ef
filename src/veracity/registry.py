"""A small typed registry that refuses duplicates and checks an interface.

Registries are filled by explicit imports (see ``veracity.detect.catalog``), never
by scanning folders, so what is registered is visible in the code.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from typing import Any, Generic, Protocol, TypeVar

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
        self._aliases: dict[str, str] = {}
        self._instances: dict[str, T] = {}
        # Two threads asking for a new product at once must get the same object.
        self._lock = threading.RLock()

    def register(self, name: str, factory: Callable[[], T]) -> None:
        """Register ``factory`` under ``name``.

        A class is checked against the interface here, before anything is built; other
        factories (functions) are checked on their product at first :meth:`get`.

        Raises:
            ValueError: ``name`` is already registered.
            TypeError: The class lacks a member of the interface.
        """
        if name in self._factories or name in self._aliases:
            raise ValueError(f"{self._kind} {name!r} is already registered")
        if inspect.isclass(factory):
            self._check_class(name, factory)
        self._factories[name] = factory

    def _check_class(self, name: str, cls: type) -> None:
        if not getattr(self._interface, "_is_protocol", False):
            if not issubclass(cls, self._interface):
                raise TypeError(
                    f"{self._kind} {name!r} does not implement {self._interface.__name__}"
                )
            return
        missing = [m for m in sorted(_protocol_members(self._interface)) if not hasattr(cls, m)]
        not_callable = [
            m for m in _protocol_methods(self._interface) if not callable(getattr(cls, m, None))
        ]
        if missing or not_callable:
            raise TypeError(
                f"{self._kind} {name!r} does not implement {self._interface.__name__} "
                f"(missing: {', '.join(missing + not_callable)})"
            )

    def alias(self, old: str, new: str) -> None:
        """Accept ``old`` as another name of the registered ``new`` (a rename's old name).

        Raises:
            ValueError: ``old`` is already a name or an alias.
            KeyError: ``new`` is not registered.
        """
        if old in self._factories or old in self._aliases:
            raise ValueError(f"{self._kind} {old!r} is already registered")
        if new not in self._factories:
            raise KeyError(f"unknown {self._kind} {new!r}")
        self._aliases[old] = new

    def resolve(self, name: str) -> str:
        """The registered name behind ``name`` (itself unless it is an alias)."""
        return self._aliases.get(name, name)

    def get(self, name: str) -> T:
        """Return the (cached, lazily created) object registered under ``name`` or an alias."""
        name = self.resolve(name)
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
        """Registered names in registration order (aliases left out)."""
        return list(self._factories)

    def __contains__(self, name: object) -> bool:
        return name in self._factories or name in self._aliases

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)


def _protocol_classes(interface: type) -> list[type]:
    skip: set[Any] = {object, Protocol, Generic}
    return [k for k in interface.__mro__ if k not in skip]


def _protocol_methods(interface: type) -> set[str]:
    """Public methods a Protocol declares."""
    return {
        name
        for klass in _protocol_classes(interface)
        for name, value in vars(klass).items()
        if callable(value) and not name.startswith("_")
    }


def _protocol_members(interface: type) -> set[str]:
    """Attributes (annotated, e.g. ``name: str``) and methods a Protocol declares."""
    annotated = {
        name
        for klass in _protocol_classes(interface)
        for name in getattr(klass, "__annotations__", {})
        if not name.startswith("_")
    }
    return annotated | _protocol_methods(interface)
