"""One window per database on a PC: a second start on the same database (a double-click on a
package while the app is open) hands its package to the window already open, which comes
forward and shows the import preview, instead of opening a second copy.

The window listens on a local socket (a named pipe on Windows) named after the database file;
the second program sends one line of JSON, ``{"open": "<absolute path>"}`` (``null``: only
come forward), and waits for ``ok``."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger("bangjiao.ui")

FORWARD_TIMEOUT_MS = 3000


def server_name(db: str | None) -> str:
    """The local server's name for the database ``db`` (a path or URL; None: the default
    file): the same for every spelling of one file, different for another file or user."""
    if db and "://" in db:
        key = db
    else:
        from app.paths import default_database_path

        path = Path(db).expanduser() if db else default_database_path()
        key = os.path.normcase(str(path.resolve()))
    user = os.environ.get("USERNAME") or os.environ.get("USER") or ""
    digest = hashlib.sha256(f"{user}\n{key}".encode()).hexdigest()[:24]
    return f"BangjiaoDesk-{digest}"


class InstanceServer(QObject):
    """Listens for later starts on the same database; ``requested`` carries the package path
    they name ("" when they only asked the window to come forward)."""

    requested = Signal(str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._connected)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Start listening (a socket left by a crashed program is removed first: the caller
        holds the database's lock, so no live program owns it). False when it cannot."""
        QLocalServer.removeServer(self.name)
        if self.server.listen(self.name):
            return True
        log.warning("无法监听本机其他启动的请求：%s", self.server.errorString())
        return False

    def close(self) -> None:
        """Stop listening."""
        self.server.close()

    def _connected(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            if socket is None:
                return
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))
            if socket.bytesAvailable():
                self._read(socket)

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    def _read(self, socket: QLocalSocket) -> None:
        if socket not in self._buffers:
            return
        data = self._buffers[socket] + bytes(socket.readAll().data())
        if b"\n" not in data:
            self._buffers[socket] = data[:65536]  # a line, not a stream
            return
        line = data.split(b"\n", 1)[0]
        del self._buffers[socket]
        try:
            message = json.loads(line.decode("utf-8"))
            path = message.get("open") if isinstance(message, dict) else None
        except (UnicodeDecodeError, ValueError):
            log.warning("收到无法识别的启动请求，已忽略")
            socket.disconnectFromServer()
            return
        socket.write(b"ok\n")
        socket.flush()
        socket.disconnectFromServer()
        self.requested.emit(str(path) if isinstance(path, str) else "")


def forward_to_running(
    name: str, package: str | None, timeout_ms: int = FORWARD_TIMEOUT_MS
) -> bool:
    """Hand ``package`` (or only a request to come forward) to the program listening on
    ``name``; True once it has answered."""
    if sys.platform == "win32":  # let the open window come in front of this one's caller
        import ctypes

        ctypes.windll.user32.AllowSetForegroundWindow(-1)  # type: ignore[attr-defined]  # ASFW_ANY
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    target = str(Path(package).expanduser().absolute()) if package else None
    socket.write(json.dumps({"open": target}, ensure_ascii=False).encode("utf-8") + b"\n")
    if not socket.waitForBytesWritten(timeout_ms):
        return False
    answer = b""
    while b"\n" not in answer:
        if not socket.waitForReadyRead(timeout_ms):
            break
        answer += bytes(socket.readAll().data())
    answer += bytes(socket.readAll().data())  # what came with the server's disconnection
    socket.disconnectFromServer()
    return answer.startswith(b"ok")
