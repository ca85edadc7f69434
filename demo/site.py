"""A real HTTP server on 127.0.0.1 (port 0, a thread) serving saved pages and scripted answers.

For crawl tests and `bench/crawl.py`: files from a directory under /real/, fixed answers,
sequences (first a 429, then the page), slow answers, and a log of every request it gets.
"""

from __future__ import annotations

import mimetypes
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROBOTS = b"User-agent: *\nDisallow: /private/\n"


@dataclass
class Answer:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]


Route = Answer | list[Answer] | Callable[[Hit], Answer]


class LocalSite:
    def __init__(self, files: Path | None = None) -> None:
        self.files = files
        self.routes: dict[str, Route] = {"/robots.txt": Answer(ROBOTS, content_type="text/plain")}
        self.hits: list[Hit] = []
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LocalSite:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def route(self, path: str, answer: Route) -> str:
        with self._lock:
            self.routes[path] = answer
            self._served.pop(path, None)
        return self.url + path

    def file_route(self, path: str, file: Path, content_type: str | None = None) -> str:
        kind = content_type or _content_type(file)
        return self.route(path, Answer(file.read_bytes(), content_type=kind))

    def hits_for(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path.split("?")[0] == path]

    def reset_log(self) -> None:
        with self._lock:
            self.hits.clear()

    def answer(self, hit: Hit) -> Answer:
        with self._lock:
            self.hits.append(hit)
            path = hit.path.split("?")[0]
            route = self.routes.get(path)
            count = self._served.get(path, 0)
            self._served[path] = count + 1
        if isinstance(route, list):
            return route[min(count, len(route) - 1)]
        if callable(route):
            return route(hit)
        if route is not None:
            return route
        if self.files is not None and path.startswith("/real/"):
            file = (self.files / path.removeprefix("/real/")).resolve()
            if file.is_file() and self.files.resolve() in file.parents:
                return Answer(file.read_bytes(), content_type=_content_type(file))
        return Answer(b"not found", status=404, content_type="text/plain")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                hit = Hit(self.command, self.path, dict(self.headers.items()))
                answer = site.answer(hit)
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.content_type)
                    self.send_header("Content-Length", str(len(answer.body)))
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = _serve
            do_POST = _serve

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def _content_type(file: Path) -> str:
    suffix = file.suffix.lower()
    if suffix == ".json":
        return "application/json"
    if suffix in (".rss", ".atom", ".xml"):
        return "application/xml"
    guessed = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed
