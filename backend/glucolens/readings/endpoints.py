"""readings routes (being written)."""

from fastapi import APIRouter

routers: list[APIRouter] = []
