"""A TCP proxy on 127.0.0.1 that a test puts between the service and its database, to fail the database
without touching the shared server: refuse connections, go silent (a hung database), come back, or forward
a COMMIT and lose its reply.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Iterator

import sqlalchemy as sa


class TcpProxy:
    """Forwards 127.0.0.1:port to (host, target_port) until told otherwise."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._mode = "forward"  # forward | refuse | hang
        self._lose_commit_replies = 0
        self.commits_forwarded = 0
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    # What the test asks for.
    def refuse(self) -> None:
        """The database is down: open connections are cut and new ones refused."""
        with self._lock:
            self._mode = "refuse"
            self._cut_all()

    def hang(self) -> None:
        """The database is hung: connections open, but nothing comes back, on old or new ones."""
        with self._lock:
            self._mode = "hang"

    def resume(self) -> None:
        """The database is back. Connections cut or hung meanwhile stay dead; new ones are forwarded."""
        with self._lock:
            self._mode = "forward"
            self._cut_all()

    def lose_next_commit_reply(self) -> None:
        """Forward the next COMMIT to the database, then cut the connection before its reply reaches the client."""
        with self._lock:
            self._lose_commit_replies += 1

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._cut_all()
        self._listener.close()

    # The forwarding.
    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                mode = self._mode
            if mode == "refuse" or self._closed:
                client.close()
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        lose_reply = False
        with contextlib.suppress(OSError, ValueError):
            while True:
                readable, _, _ = select.select([client, server], [], [], 0.1)
                with self._lock:
                    mode = self._mode
                if mode == "hang" or not readable:
                    if (client, server) not in self._pairs:
                        return
                    continue
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        raise OSError("closed")
                    if source is client:
                        lose_reply = self._is_commit_to_lose(data) or lose_reply
                        server.sendall(data)
                    elif lose_reply:
                        raise OSError("the reply to COMMIT is lost")
                    else:
                        client.sendall(data)
        self._cut(client, server)

    def _is_commit_to_lose(self, data: bytes) -> bool:
        # A PostgreSQL simple query message: 'Q', a length, then the text.
        if not data.startswith(b"Q") or b"COMMIT" not in data.upper():
            return False
        with self._lock:
            self.commits_forwarded += 1
            if self._lose_commit_replies:
                self._lose_commit_replies -= 1
                return True
        return False

    def _cut(self, client: socket.socket, server: socket.socket) -> None:
        with self._lock:
            if (client, server) in self._pairs:
                self._pairs.remove((client, server))
        for end in (client, server):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def _cut_all(self) -> None:
        pairs, self._pairs = self._pairs, []
        for client, server in pairs:
            for end in (client, server):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()


@contextlib.contextmanager
def proxied(url: str) -> Iterator[tuple[TcpProxy, str]]:
    """A proxy in front of the PostgreSQL database at `url`, and the same URL through it."""
    parsed = sa.make_url(url)
    proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
    try:
        yield proxy, parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    finally:
        proxy.close()
