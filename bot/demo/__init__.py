"""The sample community `modbot demo` runs: its config and FAQ ship inside the package."""

from pathlib import Path

DEMO_DIR = Path(__file__).parent
DEMO_CONFIG = DEMO_DIR / "config.toml"
