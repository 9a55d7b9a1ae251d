"""Readers that turn input files into plain tables; nothing downstream parses files."""
