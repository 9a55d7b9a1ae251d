"""HTTP API and web pages (FastAPI). Thin: domain logic lives in the domain modules."""
