"""Auth routes (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
api_keys_router = APIRouter(prefix="/api/v1/auth/api-keys", tags=["api-keys"])
