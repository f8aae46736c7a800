"""CPU seconds used by processes, from /proc: a cross-check of wall-clock ratios on a busy machine.

Wall-clock time includes waiting for a CPU while other work runs; CPU time counts only the work
done (in this process, or in the gunicorn workers, and in the PostgreSQL backends serving them).
Ratios of CPU time barely move with the machine's load, so every result carries both. Linux
only, and PostgreSQL must run on the same machine; otherwise the figures are None.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from bench.pg import pg_connect

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process, or None if it is gone or not visible."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14 and 15)


def children(pid: int) -> list[int]:
    """Direct children of a process (for gunicorn: its workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[1])


class ParallelWorkers:
    """CPU of the PostgreSQL parallel workers that serve some backends, sampled while a query runs.

    A parallel query's workers are separate, short-lived processes (children of the postmaster,
    titled "parallel worker for PID <leader>"); the leader's own CPU time leaves them out. A thread
    samples them every ``interval`` seconds and keeps each one's last reading, so at most one
    interval of each worker's work (its last few milliseconds) goes uncounted.
    """

    def __init__(self, backends: set[int], interval: float = 0.005):
        self.backends = set(backends)
        self.interval = interval
        self.postmaster = next((p for p in map(parent, self.backends) if p), None)
        self.workers: dict[int, float] = {}
        self._checked: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _scan(self) -> None:
        try:
            children = Path(f"/proc/{self.postmaster}/task/{self.postmaster}/children").read_text().split()
        except OSError:
            return
        for text in children:
            pid = int(text)
            if pid not in self._checked:
                self._checked.add(pid)
                try:
                    title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
                except OSError:
                    continue
                if "parallel worker for PID" in title:
                    leader = title.rsplit("PID", 1)[1].strip(" \x00")
                    if leader.isdigit() and int(leader) in self.backends:
                        self.workers[pid] = 0.0
            if pid in self.workers:
                value = cpu_seconds(pid)
                if value is not None:
                    self.workers[pid] = max(self.workers[pid], value)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._scan()
            self._stop.wait(self.interval)

    def __enter__(self) -> ParallelWorkers:
        if self.postmaster:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    @property
    def seconds(self) -> float:
        return sum(self.workers.values())


def available() -> bool:
    return cpu_seconds(os.getpid()) is not None


class ServerCpu:
    """CPU seconds of gunicorn's workers ("app") plus the PostgreSQL backends connected to the benchmark
    database and their parallel workers ("db")."""

    def __init__(self, gunicorn_pid: int, database_url: str):
        self.gunicorn_pid = gunicorn_pid
        self.database_url = database_url

    def _backend_pids(self) -> list[int]:
        connection = pg_connect(self.database_url)
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    " AND backend_type = 'client backend'"
                )
                return [row[0] for row in cursor.fetchall()]
        finally:
            connection.close()

    def snapshot(self) -> dict[str, dict[int, float]] | None:
        """CPU seconds so far of each gunicorn worker ("app") and each database backend ("db")."""
        if not available():
            return None
        backends = self._backend_pids()
        db = {pid: cpu_seconds(pid) for pid in backends}
        if backends and all(v is None for v in db.values()):
            return None  # PostgreSQL runs elsewhere (or where this user cannot see it)
        app = {pid: cpu_seconds(pid) for pid in children(self.gunicorn_pid)}
        return {"app": {k: v for k, v in app.items() if v is not None},
                "db": {k: v for k, v in db.items() if v is not None}}

    def parallel_workers(self, snapshot: dict | None) -> ParallelWorkers:
        """A sampler of the parallel workers of the backends in ``snapshot`` (use it around the load)."""
        return ParallelWorkers(set((snapshot or {}).get("db", {})))

    @staticmethod
    def used(before: dict | None, after: dict | None, parallel: ParallelWorkers | None = None) -> dict[str, float] | None:
        """CPU seconds between two snapshots, app and db (processes that appeared in between count in full)."""
        if before is None or after is None:
            return None
        used = {side: sum(v - before[side].get(pid, 0.0) for pid, v in after[side].items()) for side in ("app", "db")}
        if parallel is not None:
            used["db"] += parallel.seconds
        return used
