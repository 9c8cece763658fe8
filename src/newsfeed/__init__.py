"""newsfeed: a bilingual news board with feeds and a JSON API."""

__version__ = "0.1.0"
