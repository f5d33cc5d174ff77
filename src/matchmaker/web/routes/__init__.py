"""Route handlers of the HTTP API, one module per feature; each handler calls one service."""
