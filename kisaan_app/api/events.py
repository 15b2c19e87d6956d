"""Placeholder router: filled in by the real-time issue."""

from fastapi import APIRouter

router = APIRouter()
