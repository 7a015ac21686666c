"""The process that runs sympy for :mod:`sympy_steps`, portable to every OS.

It is started as ``python -c "from adcompiler.swellstudy.sympy_worker import serve; serve()"``
(a plain subprocess: no ``fork``, and nothing of the caller's ``__main__`` is
re-run, unlike ``multiprocessing``'s ``spawn``).  Parent and worker exchange
pickles over the worker's stdin/stdout: the worker says it is ready once
sympy is imported (so start-up never counts against a step's budget), then
reads ``(problem, steps)`` and writes one ``(step, result)`` per step.  A
reader thread in the parent moves the answers to a queue, so waiting for one
with a timeout works the same on Windows and POSIX.  One worker serves all
calls: on POSIX it interrupts an overrunning step itself (``SIGALRM``) and
carries on; a worker that does not answer within the budget plus
:data:`GRACE_SECONDS` (a long C call, or Windows, which has no alarm) is
killed, and a fresh one is started at once for the next request.
"""
from __future__ import annotations

import atexit
import os
import pickle
import queue
import subprocess
import sys
import threading

READY = "ready"
TIMEOUT = object()  # no answer within the budget
ENDED = object()  # the worker's stdout closed (it died)
START_SECONDS = 120.0  # importing sympy, on a loaded machine
# the worker interrupts an overrunning step itself (SIGALRM) and carries on;
# the parent kills it only when it has not answered this long after the budget
GRACE_SECONDS = 5.0
LOCK = threading.RLock()
_current: Worker | None = None


class Worker:
    """One running worker process with a thread reading its answers."""

    def __init__(self) -> None:
        package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH"))
                                            if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from adcompiler.swellstudy.sympy_worker import serve; serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self.answers: queue.Queue = queue.Queue()
        self.ready = False
        threading.Thread(target=self._read, daemon=True).start()

    def wait_ready(self) -> None:
        """Wait until the worker has imported sympy (once)."""
        if not self.ready:
            if self.receive(START_SECONDS) != READY:
                self.kill()
                raise RuntimeError("sympy's worker process did not start")
            self.ready = True

    def _read(self) -> None:
        try:
            while True:
                self.answers.put(pickle.load(self.proc.stdout))
        except Exception:  # EOF, a broken pipe, a truncated pickle: the worker ended
            self.answers.put(ENDED)

    def send(self, problem, steps) -> None:
        pickle.dump((problem, list(steps)), self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self.proc.stdin.flush()

    def receive(self, seconds: float):
        """The next answer, :data:`TIMEOUT` or :data:`ENDED`."""
        try:
            return self.answers.get(timeout=seconds)
        except queue.Empty:
            return TIMEOUT

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass


def prestart() -> None:
    """Start a worker if there is none, without waiting for it: it imports
    sympy while the caller builds its expressions."""
    global _current
    with LOCK:
        if _current is None or not _current.alive():
            stop()
            _current = Worker()


def get() -> Worker:
    """The running worker, started if there is none, ready for a request."""
    with LOCK:
        prestart()
        _current.wait_ready()
        return _current


def replace() -> None:
    """Kill the worker (it overran or died) and start the next one now."""
    with LOCK:
        stop()
        prestart()


def stop() -> None:
    """Kill the worker (after an overrun, and at exit)."""
    global _current
    with LOCK:
        if _current is not None:
            _current.kill()
            _current = None


atexit.register(stop)


def serve() -> None:
    """The worker's loop: answer ``(problem, steps)`` requests until stdin closes."""
    import sympy  # noqa: F401  (imported before saying ready)

    from .sympy_steps import run_in_child
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # anything sympy prints must not corrupt the answers

    def send(message) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    send(READY)
    while True:
        try:
            problem, steps = pickle.load(sys.stdin.buffer)
        except EOFError:
            return
        run_in_child(problem, steps, send)
