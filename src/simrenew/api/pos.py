"""pos API router."""

from ninja import Router

router = Router(tags=["pos"])
