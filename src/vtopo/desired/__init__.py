"""Desired state: what a topology asks for, as catalog objects per database."""
