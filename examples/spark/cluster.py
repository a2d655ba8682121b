"""A Spark standalone cluster on this machine, for tests: one master and N workers,
each its own process group, everything bound to 127.0.0.1.

pyspark's wheel has no sbin/start-master.sh, so the daemons are started with
``spark-class`` in the foreground and stopped by process group. Used by
test_cluster.py; run it on its own to get a cluster to try the job on:

    python examples/spark/cluster.py --workers 2    # prints the master URL, Ctrl-C stops it
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set

LOOPBACK = "127.0.0.1"


def spark_home() -> Path:
    """The Spark installation of the pyspark package in this Python."""
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def get_json(url: str, timeout: float = 5.0):
    """GET a JSON document (the UIs' status endpoints)."""
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


def spark_env(python: str) -> Dict[str, str]:
    """The environment for every Spark process: loopback only, this Python."""
    env = dict(os.environ)
    env.update(
        SPARK_LOCAL_IP=LOOPBACK,  # RPC, block manager and web UIs bind here
        SPARK_LOCAL_HOSTNAME="localhost",
        SPARK_HOME=str(spark_home()),
        PYSPARK_PYTHON=python,
        PYSPARK_DRIVER_PYTHON=python,
        # The master's REST submission server is off by default in Spark 4; say so.
        SPARK_MASTER_OPTS=(env.get("SPARK_MASTER_OPTS", "") + " -Dspark.master.rest.enabled=false").strip(),
    )
    return env


class LocalCluster:
    """A standalone master and `workers` workers (`cores` cores each) under `workdir`."""

    def __init__(self, workdir: Path, workers: int = 2, cores: int = 1, memory: str = "2g", python: Optional[str] = None):
        self.workdir = Path(workdir)
        self.n_workers = workers
        self.cores = cores
        self.memory = memory
        self.python = python or sys.executable
        self.env = spark_env(self.python)
        self.master_port = free_port()
        self.master_ui_port = free_port()
        self.procs: List[subprocess.Popen] = []
        self.worker_procs: List[subprocess.Popen] = []

    @property
    def master_url(self) -> str:
        return f"spark://{LOOPBACK}:{self.master_port}"

    def _spawn(self, name: str, args: List[str]) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "wb")
        proc = subprocess.Popen(
            [str(spark_home() / "bin" / "spark-class"), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.env,
            start_new_session=True,  # its own process group, stopped as one
        )
        self.procs.append(proc)
        # A file a shell trap can read to stop the cluster if this process dies.
        with open(self.workdir / "pids", "a") as f:
            f.write(f"{proc.pid}\n")
        return proc

    def start(self, timeout: float = 120.0) -> "LocalCluster":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._spawn(
            "master",
            [
                "org.apache.spark.deploy.master.Master",
                "--host", LOOPBACK,
                "--port", str(self.master_port),
                "--webui-port", str(self.master_ui_port),
            ],
        )  # fmt: skip
        for i in range(self.n_workers):
            work = self.workdir / f"worker-{i}"
            work.mkdir(exist_ok=True)
            proc = self._spawn(
                f"worker-{i}",
                [
                    "org.apache.spark.deploy.worker.Worker",
                    self.master_url,
                    "--host", LOOPBACK,
                    "--webui-port", str(free_port()),
                    "--cores", str(self.cores),
                    "--memory", self.memory,
                    "--work-dir", str(work),
                ],
            )  # fmt: skip
            self.worker_procs.append(proc)
        deadline = time.monotonic() + timeout
        while True:
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"a Spark daemon exited with status {p.returncode}; see {self.workdir}/*.log")
            try:
                alive = get_json(f"http://{LOOPBACK}:{self.master_ui_port}/json/").get("aliveworkers", 0)
            except OSError:
                alive = 0
            if alive >= self.n_workers:
                return self
            if time.monotonic() > deadline:
                raise RuntimeError(f"{alive} of {self.n_workers} workers registered after {timeout} s; see {self.workdir}")
            time.sleep(0.5)

    def stop(self) -> None:
        """Stop every daemon and what it started (executors, Python workers)."""
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 20
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        # Executors are in their worker's process group: end any left behind.
        for p in self.procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            p.wait()

    def __enter__(self) -> "LocalCluster":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- looking at the running cluster -------------------------------------

    def tree_pids(self) -> Set[int]:
        """Every process started by the cluster's daemons, the daemons included."""
        return descendants(p.pid for p in self.procs if p.poll() is None)

    def executors(self) -> Dict[str, int]:
        """Executor id → pid of its JVM (CoarseGrainedExecutorBackend), for live executors."""
        found = {}
        for pid in self.tree_pids():
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            args = [a.decode(errors="replace") for a in cmd]
            if any(a.endswith("CoarseGrainedExecutorBackend") for a in args) and "--executor-id" in args:
                found[args[args.index("--executor-id") + 1]] = pid
        return found

    def listening(self) -> List[str]:
        """The addresses that the cluster's processes listen on (TCP)."""
        return listening(self.tree_pids())


def descendants(roots: Iterable[int]) -> Set[int]:
    """The processes `roots` and all their descendants."""
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out: Set[int] = set()
    todo = list(roots)
    while todo:
        pid = todo.pop()
        if pid not in out:
            out.add(pid)
            todo.extend(children.get(pid, []))
    return out


def listening(pids: Iterable[int]) -> List[str]:
    """The local addresses of the TCP sockets on which processes `pids` listen."""
    inodes: Set[str] = set()
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            m = re.fullmatch(r"socket:\[(\d+)\]", target)
            if m:
                inodes.add(m.group(1))
    addresses = []
    for table, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A: LISTEN
                addresses.append(_address(local, v6))
    return addresses


def _address(hex_addr: str, v6: bool) -> str:
    """`0100007F:1F90` → `127.0.0.1:8080` (and the IPv6 form for tcp6)."""
    host, port = hex_addr.split(":")
    raw = bytes.fromhex(host)
    if not v6:
        return f"{socket.inet_ntop(socket.AF_INET, raw[::-1])}:{int(port, 16)}"
    # /proc writes IPv6 addresses as four little-endian 32-bit words.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return f"[{socket.inet_ntop(socket.AF_INET6, words)}]:{int(port, 16)}"


def is_loopback(address: str) -> bool:
    host = address.rsplit(":", 1)[0].strip("[]")
    return host.startswith("127.") or host in ("::1", "::ffff:127.0.0.1") or host.startswith("::ffff:127.")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cores", type=int, default=1)
    parser.add_argument("--memory", default="2g")
    parser.add_argument("--workdir", default="target/spark-cluster")
    a = parser.parse_args()
    with LocalCluster(Path(a.workdir), a.workers, a.cores, a.memory) as cluster:
        print(f"master {cluster.master_url}, UI http://{LOOPBACK}:{cluster.master_ui_port}; Ctrl-C stops it", flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
