"""A loopback TCP listener that counts the connections it gets and never answers: a refused or hanging SERVICE."""
import socket
import threading

from tests.federation.processes import LOOPBACK


class SilentListener:
    """Accept connections on a free loopback port, count them, hold them open, never send a byte."""

    def __init__(self):
        """Start listening and accepting in a daemon thread."""
        self.socket = socket.socket()
        self.socket.bind((LOOPBACK, 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]
        self.connections = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self):
        """Return a SPARQL endpoint URL on this listener."""
        return f"http://{LOOPBACK}:{self.port}/sparql"

    def _accept(self):
        """Accept until closed, keeping each connection so the client waits for an answer."""
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self):
        """Stop listening (shutdown wakes the blocked accept) and drop the held connections."""
        try:
            self.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.socket.close()
        for connection in self.connections:
            connection.close()
