"""cxhub: Customer Service + Customer Success = Customer Experience."""

__version__ = "0.1.0"
