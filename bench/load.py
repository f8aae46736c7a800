"""Serving and loading the pages: gunicorn on loopback, a signed-in session, wrk (or a Python load).

Load only ever goes to 127.0.0.1, for a bounded time, from a separate process: ``wrk`` when it is
installed (Debian: ``apt-get install wrk``), else this module run as ``python -m bench.load``
(threads with keep-alive ``http.client`` connections). Both report p50 and p95 latency in ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

HOST = "127.0.0.1"
#: The longest a counted (``requests_per_client``) load may run before it is abandoned.
MAX_COUNTED_SECONDS = 1800


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# --- gunicorn --------------------------------------------------------------------------------------


class Server:
    """gunicorn serving ``sencotrack.wsgi`` with ``bench.settings`` on a free loopback port."""

    def __init__(self, env: dict, *, workers: int, log_path: Path, python: str = sys.executable):
        self.env = env
        self.workers = workers
        self.log_path = log_path
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        gunicorn = Path(python).with_name("gunicorn")
        self.command = [
            str(gunicorn) if gunicorn.exists() else "gunicorn", "sencotrack.wsgi:application",
            "--bind", f"{HOST}:{self.port}", "--workers", str(workers), "--worker-class", "sync",
            "--timeout", "120", "--graceful-timeout", "5", "--log-level", "warning",
            "--error-logfile", str(log_path), "--backlog", "256",
        ]
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(self.command, env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                status, _, _ = request(self.base, "/health/")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not answer /health/ within 60s; see {self.log_path}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the arbiter stops its own workers
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- One request, a session, a form ------------------------------------------------------------------


def request(base: str, path: str, *, method: str = "GET", cookies: dict | None = None, body: str | None = None,
            headers: dict | None = None, timeout: float = 120) -> tuple[int, dict, str]:
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    sent = dict(headers or {})
    if cookies:
        sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
    try:
        connection.request(method, path, body=body.encode() if body is not None else None, headers=sent)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        got = {}
        for key, value in response.getheaders():
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                got.setdefault("set-cookie", {})[name.strip()] = rest.split(";", 1)[0]
            else:
                got[key.lower()] = value
        return response.status, got, text
    finally:
        connection.close()


def login(base: str, username: str, password: str) -> dict:
    """Sign in through the real login form; returns the session and CSRF cookies."""
    status, headers, page = request(base, "/login/")
    cookies = dict(headers.get("set-cookie", {}))
    form = find_form(page, method="post")
    if status != 200 or form is None:
        raise RuntimeError(f"the login page answered {status} without a form")
    fields = [(k, v) for k, v in form.fields if k not in ("username", "password")]
    fields += [("username", username), ("password", password)]
    status, headers, _ = request(base, "/login/", method="POST", cookies=cookies,
                                 body=urllib.parse.urlencode(fields))
    cookies.update(headers.get("set-cookie", {}))
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"signing in as {username} failed (HTTP {status})")
    return cookies


@dataclass
class Form:
    method: str
    action: str | None
    hx_post: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)  # select name -> option values


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("method", "get").lower(), a.get("action"), a.get("hx-post"))
            self.forms.append(self._form)
        elif self._form is None or "disabled" in a:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], [], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select[1].append(value)
            if "selected" in a:
                self._select[2].append(value)
        elif tag == "textarea" and a.get("name"):
            self._textarea = (a["name"], [])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options, selected = self._select
            self._form.options[name] = options
            self._form.fields.append((name, selected[0] if selected else (options[0] if options else "")))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea[0], "".join(self._textarea[1]).strip("\n")))
            self._textarea = None


def find_form(html: str, *, method: str) -> Form | None:
    """The form with the most fields among those of ``method`` (the main form of the page).

    A form whose only field is the CSRF token (a sign-out button) does not count.
    """
    parser = _FormParser()
    parser.feed(html)
    forms = [f for f in parser.forms if (f.method == method or (method == "post" and f.hx_post))
             and any(name != "csrfmiddlewaretoken" for name, _ in f.fields)]
    return max(forms, key=lambda f: len(f.fields), default=None)


# --- Load ----------------------------------------------------------------------------------------------

WRK_POST = r"""
local bodies = {BODIES}
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", nil, nil, bodies[(n % #bodies) + 1])
end
"""
WRK_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"errors_status":%d,"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def load(url: str, *, clients: int, duration: float, cookies: dict, bodies: list[str] | None = None,
         headers: dict | None = None, tool: str = "auto", cores: int | None = None,
         requests_per_client: int | None = None) -> dict:
    """Load ``url`` from ``clients`` concurrent connections; latencies in ms.

    For ``duration`` seconds with wrk (or the Python generator without wrk); or, with
    ``requests_per_client``, exactly that many requests from each client (Python generator): a
    slow page is measured over whole rounds, with no request left unfinished or uncounted.
    """
    if not url.startswith(f"http://{HOST}:"):
        raise ValueError("the benchmark only loads 127.0.0.1")
    headers = dict(headers or {})
    headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if bodies:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    use_wrk = not requests_per_client and (tool == "wrk" or (tool == "auto" and shutil.which("wrk")))
    with tempfile.TemporaryDirectory() as tmp:
        if use_wrk:
            script = Path(tmp, "bench.lua")
            post = WRK_POST.replace("BODIES", ", ".join(_lua_string(b) for b in bodies)) if bodies else ""
            script.write_text(post + WRK_DONE)
            threads = max(1, min(clients, cores or os.cpu_count() or 1))
            command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{max(1, int(duration))}s",
                       "--timeout", "120s", "-s", str(script)]
            for key, value in headers.items():
                command += ["-H", f"{key}: {value}"]
            command.append(url)
        else:
            spec = Path(tmp, "spec.json")
            spec.write_text(json.dumps({"url": url, "clients": clients, "duration": duration, "headers": headers,
                                        "bodies": bodies or [], "per_client": requests_per_client}))
            command = [sys.executable, "-m", "bench.load", str(spec)]
        limit = MAX_COUNTED_SECONDS if requests_per_client else duration + 180
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"load generator failed: {done.stdout[-500:]} {done.stderr[-500:]}")
    raw = json.loads(line[len("BENCHJSON "):])
    seconds = raw["duration_us"] / 1e6
    errors = sum(v for k, v in raw.items() if k.startswith("errors_"))
    return {
        "tool": "wrk" if use_wrk else "python" + (f" ({requests_per_client} per client)" if requests_per_client else ""),
        "clients": clients, "requests": raw["requests"], "seconds": seconds,
        "rps": raw["requests"] / seconds if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000, "p95_ms": raw["p95_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000, "errors": errors,
        "errors_detail": {k: v for k, v in raw.items() if k.startswith("errors_") and v},
    }


def _python_load(spec: dict) -> dict:
    """Fallback load generator (no wrk): one thread per client, keep-alive where the server allows."""
    parsed = urllib.parse.urlsplit(spec["url"])
    path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    bodies = [b.encode() for b in spec["bodies"]]
    per_client = spec.get("per_client")
    deadline = time.perf_counter() + (MAX_COUNTED_SECONDS - 60 if per_client else spec["duration"])
    latencies: list[float] = []
    errors = {"errors_status": 0, "errors_connect": 0, "errors_read": 0, "errors_write": 0, "errors_timeout": 0}
    lock = threading.Lock()

    def client(number: int) -> None:
        mine, n, connection = [], number, None
        while time.perf_counter() < deadline and (not per_client or n - number < per_client):
            if connection is None:
                connection = http.client.HTTPConnection(parsed.hostname, parsed.port,
                                                        timeout=MAX_COUNTED_SECONDS if per_client else 120)
            body = bodies[n % len(bodies)] if bodies else None
            n += 1
            started = time.perf_counter()
            try:
                connection.request("POST" if body else "GET", path, body=body, headers=spec["headers"])
                response = connection.getresponse()
                response.read()
                mine.append(time.perf_counter() - started)
                if response.status >= 400:
                    with lock:
                        errors["errors_status"] += 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException):
                with lock:
                    errors["errors_read"] += 1
                connection.close()
                connection = None
        if connection is not None:
            connection.close()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(spec["clients"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> int:
        if not latencies:
            return 0
        return int(latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))] * 1e6)

    return {"requests": len(latencies), "duration_us": int(elapsed * 1e6), "p50_us": pct(50), "p95_us": pct(95),
            "p99_us": pct(99), "max_us": int(max(latencies, default=0) * 1e6), **errors,
            "mean_us": int(statistics.fmean(latencies) * 1e6) if latencies else 0}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Python load generator (used when wrk is not installed).")
    parser.add_argument("spec", help="JSON file: url, clients, duration, headers, bodies")
    args = parser.parse_args(argv)
    spec = json.loads(Path(args.spec).read_text())
    if not spec["url"].startswith(f"http://{HOST}:"):
        raise SystemExit("the benchmark only loads 127.0.0.1")
    print("BENCHJSON " + json.dumps(_python_load(spec)), flush=True)


if __name__ == "__main__":
    main()
