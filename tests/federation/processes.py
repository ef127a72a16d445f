"""Start server processes on free loopback ports, wait until they answer, and stop them."""
import socket
import subprocess
import time

import requests

LOOPBACK = "127.0.0.1"


def free_port():
    """Return a TCP port on the loopback interface that nobody listens on now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


class ServerProcess:
    """A server started as a child process, logging to a file, stopped (and reaped) on `stop()`."""

    def __init__(self, command, log_path, cwd=None, env=None):
        """Start `command` with its output going to `log_path`."""
        self.command = command
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, cwd=cwd, env=env)

    def log_tail(self, lines=40):
        """Return the last lines the server wrote, for failure messages."""
        with open(self.log_path, "rb") as handle:
            return b"\n".join(handle.read().splitlines()[-lines:]).decode("utf-8", "replace")

    def wait_until_answering(self, url, timeout=30.0, ok=lambda response: response.status_code < 500):
        """Poll `url` until `ok(response)`; raise with the server's log if it exits or the time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command[0]} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if ok(requests.get(url, timeout=2)):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.command[0]} did not answer {url} within {timeout} s:\n{self.log_tail()}")

    def stop(self):
        """Terminate the server, kill it if it lingers, and close its log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
