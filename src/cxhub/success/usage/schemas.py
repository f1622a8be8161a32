"""Write-key request and response shapes (the tracking calls themselves are Segment JSON,
checked by `validation.py`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from cxhub.success.usage.models import TrackingWriteKey


class WriteKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["web app (production)"])


class WriteKeyOut(BaseModel):
    id: int
    name: str
    key_prefix: str = Field(description="The key's first characters, to tell keys apart.")
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, key: TrackingWriteKey) -> WriteKeyOut:
        return cls(
            id=key.id,
            name=key.name,
            key_prefix=key.key_prefix,
            active=key.active,
            created_at=key.created_at,
        )


class WriteKeyCreated(WriteKeyOut):
    write_key: str = Field(description="The secret write key, shown this once.")
