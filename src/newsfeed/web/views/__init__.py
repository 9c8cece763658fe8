"""Thin request handlers: parse, check, call storage, respond."""
