"""CPU stages off the event loop: worker processes, each job under a time and a memory budget.

Decoding, parsing, text cleaning, identity, topic matching and fingerprinting of a fetched body run in
worker processes (``monitor.cpujobs``), so a heavy feed holds neither the event loop nor the GIL that
the fetches, the commits and the deliveries need. :class:`CpuPool` manages the workers itself rather
than through ``concurrent.futures.ProcessPoolExecutor``, which cannot stop one running task:

- ``size`` workers (default: one per core), started on first use from a ``forkserver`` (Linux; ``spawn``
  elsewhere) that has pressmon's modules imported, so a new worker costs a fork, not an interpreter start.
- Each job has a time budget (``PRESSMON_PARSE_BUDGET_SECONDS``): a job over it raises
  :class:`~monitor.errors.BudgetExceeded` naming the stage ("parse exceeded the 10 s budget"), which the
  poll records on that source; the worker that overran is killed and a new one takes its place on the
  next job. Other jobs, on other workers, go on: one feed never freezes the rest.
- Each worker's address space is capped (``RLIMIT_AS``, ``PRESSMON_PARSE_MEMORY_MB``): a job that needs
  more fails with ``MemoryError`` in the worker, is reported as over the memory budget, and the worker is
  replaced; the daemon process never grows with it.
- Results come back pickled, as plain data (dataclasses of strings, numbers and tuples).
- A worker exits when the daemon closes the pool or dies (its pipe closes; ``PR_SET_PDEATHSIG`` kills a
  worker still busy when the forkserver goes away with the daemon).

``size=0`` runs jobs in process, in a thread, with no budget enforced: for tests and the demo that want
no child processes. The daemon and ``poll --once`` use the pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import multiprocessing
import os
import pickle
import resource
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from monitor.errors import BudgetExceeded, ParseError

__all__ = ["Budget", "CpuPool", "WorkerCrashed", "default_workers"]

T = TypeVar("T")
_PR_SET_PDEATHSIG = 1


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class WorkerCrashed(Exception):
    """A worker died in the middle of a job (killed from outside, a crash in a C extension)."""


@dataclass(frozen=True)
class Budget:
    seconds: float = 10.0  # wall time of one job, from handing it over to its result
    memory_mb: int = 1024  # address space of one worker; 0: no cap
    max_bytes: int = 16_000_000  # a body larger than this is not handed to a parser at all


def _limit_memory(memory_mb: int) -> None:
    if memory_mb <= 0:
        return
    soft = memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _outcome(fn: Callable[..., Any], shared: Any, args: tuple[Any, ...]) -> tuple[str, Any]:
    try:
        return ("ok", fn(shared, *args))
    except MemoryError:
        return ("memory", None)
    except ParseError as e:  # rebuilt in the daemon: its __init__ takes two arguments
        return ("parse", (e.source_id, e.detail))
    except BudgetExceeded as e:
        return ("budget", (e.source_id, e.stage, e.detail))
    except Exception as e:  # a bug: the daemon records it as this source's "internal" error, same type
        try:
            pickle.loads(pickle.dumps(e))
        except Exception:
            return ("error", f"{type(e).__name__}: {e}"[:500])
        return ("raise", e)


def worker_main(conn: Connection, memory_mb: int) -> None:
    """A worker's life: jobs in, results out, until the pipe closes."""
    # What the forkserver imported is shared with it page by page until written: keep the cyclic
    # collector off those objects (a full collection writes to every one's header, copying the pages).
    gc.freeze()
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the daemon's to handle, not ours
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # so is SIGTERM: we go when our pipe closes
    _limit_memory(memory_mb)
    shared_key: str | None = None
    shared: Any = None
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        fn, args, key, blob = pickle.loads(message)
        if blob is not None:
            shared, shared_key = None, None
            shared, shared_key = pickle.loads(blob), key
        status, value = _outcome(fn, shared if key == shared_key else None, args)
        try:
            data = pickle.dumps((status, value), protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            data = pickle.dumps(("memory", None))
        conn.send_bytes(data)
        if status == "memory":
            return  # start afresh: the next job gets a new worker


@dataclass
class _Worker:
    process: Any
    conn: Connection
    shared_key: str | None = None


@dataclass
class _Shared:
    key: str
    obj: Any
    blob: bytes


@dataclass
class CpuPool:
    """``await pool.run(stage, source_id, fn, *args, shared=obj)``: ``fn(obj, *args)`` in a worker.

    ``fn`` must be a module-level function; ``shared`` (the topic matcher) is sent to each worker once,
    not with every job. Raises BudgetExceeded (time or memory), ParseError (as raised by ``fn``),
    WorkerCrashed, or RuntimeError naming any other exception ``fn`` raised."""

    size: int = 0
    budget: Budget = field(default_factory=Budget)
    _idle: list[_Worker] = field(default_factory=list)
    _slots: asyncio.Semaphore | None = None
    _shared: _Shared | None = None
    _context: Any = None
    _closed: bool = False
    started: int = 0  # workers started so far (a replaced worker counts again)
    killed: int = 0  # workers killed for overrunning their budget

    @property
    def inline(self) -> bool:
        return self.size <= 0

    async def run(
        self, stage: str, source_id: str, fn: Callable[..., T], *args: Any, shared: Any = None
    ) -> T:
        if self.inline:
            return await asyncio.to_thread(fn, shared, *args)
        if self._closed:
            raise RuntimeError("cpu pool closed")
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        async with self._slots:
            worker = await self._worker()
            try:
                value = await self._call(worker, stage, source_id, fn, args, shared)
            except BaseException:
                await self._discard(worker)
                raise
            self._idle.append(worker)
            result: T = value
            return result

    async def warm(self, shared: Any = None) -> None:
        """Start every worker now (and hand each ``shared``), rather than on the first polls."""
        if self.inline:
            return
        from monitor import cpujobs

        fresh = [await self._start() for _ in range(self.size - len(self._idle))]
        for w in [*self._idle, *fresh]:
            try:
                await self._call(w, "warm", "-", cpujobs.warm, (), shared)
            except BaseException:
                await self._discard(w)
                raise
        self._idle.extend(fresh)

    async def _worker(self) -> _Worker:
        while self._idle:
            w = self._idle.pop()
            if w.process.is_alive():
                return w
            await self._discard(w)
        return await self._start()

    async def _start(self) -> _Worker:
        if self._context is None:
            method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            self._context = multiprocessing.get_context(method)
            if method == "forkserver":
                self._context.set_forkserver_preload(["monitor.cpujobs"])
        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=worker_main, args=(theirs, self.budget.memory_mb), daemon=True, name="pressmon-cpu"
        )
        await asyncio.to_thread(process.start)  # the first start launches the forkserver: not on the loop
        theirs.close()
        self.started += 1
        return _Worker(process, ours)

    def _message(self, worker: _Worker, fn: Callable[..., Any], args: tuple[Any, ...], shared: Any) -> bytes:
        key: str | None = None
        blob: bytes | None = None
        if shared is not None:
            if self._shared is None or self._shared.obj is not shared:
                data = pickle.dumps(shared, protocol=pickle.HIGHEST_PROTOCOL)
                self._shared = _Shared(f"{id(shared)}:{len(data)}:{self.started}", shared, data)
            key = self._shared.key
            if worker.shared_key != key:
                blob = self._shared.blob
        return pickle.dumps((fn, args, key, blob), protocol=pickle.HIGHEST_PROTOCOL)

    async def _call(
        self,
        worker: _Worker,
        stage: str,
        source_id: str,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        shared: Any,
    ) -> Any:
        message = self._message(worker, fn, args, shared)
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = worker.conn.fileno()
        try:
            await asyncio.to_thread(worker.conn.send_bytes, message)  # a 10 MB body: not on the loop
        except OSError as e:
            raise WorkerCrashed(f"{stage} worker gone before the job ({e})") from None
        if shared is not None and self._shared is not None:
            worker.shared_key = self._shared.key

        def readable() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, readable)
        try:
            await asyncio.wait_for(ready, self.budget.seconds)
        except TimeoutError:
            self.killed += 1
            raise BudgetExceeded(
                source_id, stage, f"{stage} exceeded the {self.budget.seconds:g} s budget (worker stopped)"
            ) from None
        finally:
            loop.remove_reader(fd)
        try:
            status, value = pickle.loads(await asyncio.to_thread(worker.conn.recv_bytes))
        except (EOFError, OSError):
            await asyncio.to_thread(worker.process.join, 5)
            code = worker.process.exitcode
            raise WorkerCrashed(f"{stage} worker died (exit code {code})") from None
        if status == "ok":
            return value
        if status == "memory":
            raise BudgetExceeded(
                source_id, stage, f"{stage} exceeded the {self.budget.memory_mb} MB memory budget"
            )
        if status == "parse":
            raise ParseError(*value)
        if status == "budget":
            raise BudgetExceeded(*value)
        if status == "raise" and isinstance(value, Exception):
            raise value
        raise RuntimeError(f"{stage}: {value}")

    async def _discard(self, worker: _Worker) -> None:
        with contextlib.suppress(Exception):
            worker.conn.close()
        if worker.process.is_alive():
            worker.process.kill()
        await asyncio.to_thread(worker.process.join, 5)

    async def aclose(self) -> None:
        """Let idle workers go (their pipe closes, they exit); stop any that do not."""
        self._closed = True
        idle, self._idle = self._idle, []
        for w in idle:
            with contextlib.suppress(Exception):
                w.conn.close()
        for w in idle:
            await asyncio.to_thread(w.process.join, 2)
            if w.process.is_alive():
                w.process.kill()
                await asyncio.to_thread(w.process.join, 2)

    def worker_pids(self) -> list[int]:
        return [w.process.pid for w in self._idle if w.process.pid is not None]
