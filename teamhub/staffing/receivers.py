"""Placeholder: receivers are written by the services engineer."""
