"""stufenlos: barrier information and step-free routing for cities, from open data."""

from stufenlos._version import __version__
from stufenlos.city import City, load_city
from stufenlos.network import Network
from stufenlos.profiles import Profile, get_profile

__all__ = ["City", "Network", "Profile", "__version__", "get_profile", "load_city"]
