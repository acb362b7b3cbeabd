"""Live updates: each project's domain events as a Server-Sent Events stream (``/api/v1/projects/{key}/events``),
fanned out with Litestar Channels (memory in embedded mode, Redis across app instances)."""
