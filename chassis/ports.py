"""A service's composition root: the ports its application layer talks through.

Each service declares, in its ``bootstrap.py``, what its use cases need from the
outside world (aggregate stores, the staff directory, ...) with a factory for the
real adapter. Application modules hold a *port* (``ports.complaints``): a stand-in
that forwards to whatever is bound, so their code reads as before while the choice
of adapter is made in one place. Production binds the real adapters once per process
(``bootstrap()``, called by the app factory and the worker); unit tests bind
in-memory fakes (``chassis.fakes``) with ``overridden``. This is cosmicpython's
bootstrap with module-level ports instead of parameters, so a use case keeps its
signature.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Ports:
    def __init__(self, *, uses: tuple[Ports, ...] = (), **factories: Callable[[], Any]) -> None:
        """``factories``: port name → the real adapter's constructor; ``uses``: the chassis's
        own ports the service's use cases reach through it (the staff directory)."""
        self._uses = uses
        self._factories = factories
        self._bound: dict[str, Any] = {}
        self._lock = threading.Lock()

    def names(self) -> tuple[str, ...]:
        return tuple(self._factories)

    def bind(self, **adapters: Any) -> None:
        """Bind every port: the given adapters, the real one for the rest."""
        unknown = set(adapters) - set(self._factories)
        if unknown:
            raise KeyError(f"no such port: {', '.join(sorted(unknown))}")
        with self._lock:
            self._bound = {name: adapters[name] if name in adapters else factory()
                           for name, factory in self._factories.items()}

    def bootstrap(self, **adapters: Any) -> Ports:
        """The composition root: bind this service's ports and the chassis ports it uses,
        each to the adapter given for it or else the real one. Called once per process."""
        for ports in self._uses:
            ports.bind(**{k: v for k, v in adapters.items() if k in ports.names()})
        taken = {n for ports in self._uses for n in ports.names()}
        self.bind(**{k: v for k, v in adapters.items() if k not in taken})
        return self

    def resolve(self, name: str) -> Any:
        adapter = self._bound.get(name)
        if adapter is None:
            with self._lock:  # never bootstrapped (a script, a test of one module): the real one
                adapter = self._bound.get(name)
                if adapter is None:
                    adapter = self._bound[name] = self._factories[name]()
        return adapter

    @contextmanager
    def overridden(self, **adapters: Any) -> Iterator[Ports]:
        """Bind ``adapters`` (fakes) for the duration; the rest stay real."""
        saved = dict(self._bound)
        unknown = set(adapters) - set(self._factories)
        if unknown:
            raise KeyError(f"no such port: {', '.join(sorted(unknown))}")
        with self._lock:
            self._bound = {**saved, **adapters}
        try:
            yield self
        finally:
            with self._lock:
                self._bound = saved

    def __getattr__(self, name: str) -> Port:
        if name.startswith("_") or name not in self._factories:
            raise AttributeError(name)
        return Port(self, name)


class Port:
    """Forwards every attribute to the adapter bound to ``name`` at the time of use."""
    __slots__ = ("_name", "_ports")

    def __init__(self, ports: Ports, name: str) -> None:
        self._ports = ports
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._ports.resolve(self._name), attr)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._ports.resolve(self._name)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<port {self._name} → {self._ports.resolve(self._name)!r}>"
