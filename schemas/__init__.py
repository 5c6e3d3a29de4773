"""Record contract of chithi: pydantic v2 models and their exported JSON Schema."""
from schemas.record import (  # noqa: F401  (re-exported)
    SCHEMA_VERSION, BBox, DirectiveRecord, Deadline, Metadata, MetaValue, Reference, Recipient, Restoration,
    Signer, Source, Span, Target, Task, Unit, Warning,
)

__all__ = ["SCHEMA_VERSION", "BBox", "DirectiveRecord", "Deadline", "Metadata", "MetaValue", "Reference", "Recipient",
           "Restoration", "Signer", "Source", "Span", "Target", "Task", "Unit", "Warning"]
