"""The minikeras version (its own module, so saving can name it without importing the package)."""
__version__ = "0.1.0"
