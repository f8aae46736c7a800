"""nginx with the project's own configuration (deploy/nginx/sencotrack.conf) in front of a local server.

docker-compose.yml runs that file in its ``proxy`` service; here the same file runs from the
system's nginx (Debian's ``nginx-light``) with only what the container supplies replaced: the
upstream (compose's ``web:8000``), the ports and a self-signed certificate. Used by the benchmark's
page-weight measurement (pages compressed as production compresses them) and by
tests/integration/test_proxy.py.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

CONF = Path(__file__).resolve().parents[1] / "deploy" / "nginx" / "sencotrack.conf"


def available() -> str | None:
    """Why the proxy cannot run here, or None when nginx and openssl are installed."""
    if not Path(shutil.which("nginx") or "/usr/sbin/nginx").exists():
        return "nginx is not installed (apt-get install nginx-light)"
    if not shutil.which("openssl"):
        return "openssl is not installed"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proxy:
    """``with Proxy("127.0.0.1:8000", workdir) as proxy:`` serves https://127.0.0.1:<proxy.https_port>/."""

    def __init__(self, upstream: str, workdir: Path) -> None:
        self.upstream = upstream
        self.dir = Path(workdir)
        self.http_port, self.https_port = _free_port(), _free_port()
        self.base = f"https://127.0.0.1:{self.https_port}"
        self.nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process: subprocess.Popen | None = None

    def site_conf(self) -> str:
        conf = CONF.read_text()
        conf = conf.replace("server web:8000;", f"server {self.upstream};").replace("/etc/nginx/certs", str(self.dir))
        conf = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", conf)  # loopback IPv4 only
        conf = conf.replace("listen 80 ", f"listen 127.0.0.1:{self.http_port} ")
        conf = conf.replace("listen 443 ", f"listen 127.0.0.1:{self.https_port} ")
        version = subprocess.run([self.nginx, "-v"], capture_output=True, text=True).stderr
        found = re.search(r"nginx/(\d+)\.(\d+)", version)
        if found and tuple(map(int, found.groups())) < (1, 25):
            conf = conf.replace("http2 on;", "")  # the image runs 1.28; Debian 12's 1.22 predates the directive
        return conf

    def __enter__(self) -> Proxy:
        self.dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
             "-keyout", str(self.dir / "privkey.pem"), "-out", str(self.dir / "fullchain.pem")],
            check=True, capture_output=True,
        )  # fmt: skip
        (self.dir / "site.conf").write_text(self.site_conf())
        temp = self.dir / "temp"
        temp.mkdir(exist_ok=True)
        temp.chmod(0o777)  # nginx's workers may run as another user
        (self.dir / "nginx.conf").write_text(f"""
error_log {self.dir}/error.log warn;
pid {self.dir}/nginx.pid;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {self.dir}/site.conf;
}}
""")
        args = ["-p", str(self.dir), "-c", str(self.dir / "nginx.conf")]
        check = subprocess.run([self.nginx, "-t", *args], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx refused the configuration:\n{check.stderr}")
        self.process = subprocess.Popen([self.nginx, *args, "-g", "daemon off;"], stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError(f"nginx did not listen on {self.https_port}; see {self.dir / 'error.log'}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
