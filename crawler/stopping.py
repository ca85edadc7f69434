"""Scrapy's crawler process, with a bounded graceful stop.

On the first Ctrl-C or SIGTERM Scrapy stops scheduling pages and waits for the ones in flight,
which can take the whole download timeout (30 s by default, more where a slow API needs it).
Here that wait lasts at most ``STOP_GRACE`` seconds, then the process stops anyway; either way
``stopped_by_signal`` tells the runner to record the unfinished runs as ``interrupted``.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import AsyncCrawlerProcess

STOP_GRACE = 10.0


class StoppableCrawlerProcess(AsyncCrawlerProcess):
    stopped_by_signal = False

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        from twisted.internet import reactor

        self.stopped_by_signal = True
        super()._signal_shutdown(signum, frame)
        reactor.callFromThread(reactor.callLater, STOP_GRACE, self._stop_reactor)
