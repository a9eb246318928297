"""The client side: everything that talks to a server (HTTP, TLS, credentials, probes, generated requests)."""
