"""stufenlos: barrier information and step-free routing for cities, from open data."""

from stufenlos._version import __version__
from stufenlos.city import City, load_city
from stufenlos.network import Network

__all__ = ["City", "Network", "__version__", "load_city"]
