"""Record contract of chithi: pydantic v2 models and their exported JSON Schema."""
from schemas.record import (  # noqa: F401
    SCHEMA_VERSION, BBox, DirectiveRecord, Deadline, Metadata, MetaValue, Reference, Recipient, Restoration,
    Signer, Source, Span, Target, Task, Unit, Warning,
)
