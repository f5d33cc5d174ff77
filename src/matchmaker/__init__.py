"""matchmaker: matchmaking and knowledge exchange for smart-city cooperation."""

__version__ = "0.1.0"
__all__ = ["__version__"]
