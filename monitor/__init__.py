"""pressmon: a press-statement monitoring and alerting daemon."""

__version__ = "0.1.0"
