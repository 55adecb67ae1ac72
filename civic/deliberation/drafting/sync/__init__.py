"""The real-time engine: a WebSocket per document speaking y-websocket, rooms, relay, presence, budgets.

endpoint (the upgrade) > transport (the socket) > session (one connection's messages) > workspace
(per process: rooms, relay, the link to the other processes, the shared stores).
"""
