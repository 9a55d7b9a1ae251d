"""All sentences, all languages: route directions, itineraries, easy-read text and labels."""
