"""A Scrapy DNS resolver for tests: names under `.test` (RFC 2606) resolve to 127.0.0.1.

The sources config refuses IP literals and local names as outlet domains, so a test
outlet on loopback needs a public-looking name; this resolver gives it one without
touching /etc/hosts. Use it with `-s DNS_RESOLVER=tests.loopback_resolver.LoopbackResolver`.
"""

from __future__ import annotations

from collections.abc import Sequence

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer

TEST_SUFFIX = ".test"


class LoopbackResolver(CachingThreadedResolver):
    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:
        if name.endswith(TEST_SUFFIX):
            return defer.succeed("127.0.0.1")
        return super().getHostByName(name, timeout)
