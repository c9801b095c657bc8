"""Platform adapters: each maps its network's updates into core events and executes core actions."""
