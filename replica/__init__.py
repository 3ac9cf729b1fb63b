"""The offline replica of the outlets: a deterministic site generator and an HTTP server.

- `replica.generator.build_site(articles, seed, night=…)` -> `Site` of `TrueArticle`s (the
  truth), optionally some nights on (new articles, revisions: replica/edits.py) and with
  `syndication=True` (Tribun Jateng, copies of stories, traps: replica/syndication.py);
- `replica.server.ReplicaServer(site)` serves it on loopback, routed by the Host header;
- `replica.outlets.*`: one module per outlet (its data, URL shapes, host handlers and
  page renderers), listed in the registry `replica.outlets.GROUPS`; `replica.routes`
  sends each request to its host's handler.

docs/replica-contract.md is the contract the crawler is written against.
"""
