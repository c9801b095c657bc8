"""Running the core: the event pipeline with its outbox, executors per network, background loops."""
