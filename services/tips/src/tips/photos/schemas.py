"""Response models of tips' photos: what staff see of them before they open one."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class PhotoRead(BaseModel):
    id: uuid.UUID
    content_type: str = Field(examples=["image/jpeg"])
    width: int
    height: int
    size_bytes: int = Field(description="The size of the stored image.")
    created_at: datetime
