"""Placeholder until the web shell lands."""

from __future__ import annotations

from fastapi import FastAPI


def install_web(app: FastAPI) -> None:
    return None
