"""The offline replica of the outlets: a deterministic site generator and an HTTP server.

- `replica.generator.build_site(articles, seed, night=…)` -> `Site` of `TrueArticle`s (the
  truth), optionally some nights on (new articles, revisions: replica/edits.py) and with
  `syndication=True` (Tribun Jateng, copies of stories, traps: replica/syndication.py);
- `replica.server.ReplicaServer(site)` serves it on loopback, routed by the Host header;
- `replica.pages.*` render each outlet's pages, `replica.routes` maps URLs to them.

docs/replica-contract.md is the contract the crawler is written against.
"""
