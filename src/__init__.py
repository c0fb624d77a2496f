"""diplostance: stance and speaker labelling for diplomatic and security news."""

__version__ = "0.1.0"
