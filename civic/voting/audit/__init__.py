"""PURE LIBRARY: the published ballot chain of a poll, and its verification anyone can run offline.

`records` says byte for byte what each chain record, signature and receipt code is; `tally` counts
the ballots exactly as the server does; `verify` checks an audit download (chain, signatures,
receipts, signed head, checkpoints, recount). Like `civic.voting.counting`, nothing here imports Flask,
SQLAlchemy or the rest of civic: the web app and `python -m civic.voting verify` run the same code.
"""
