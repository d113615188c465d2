"""Importing this package registers every chart (see charts.py)."""
