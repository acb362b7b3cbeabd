"""The Litestar application: settings, wiring, error mapping, authentication and the CLI."""
