"""Language knowledge loaded from the data files under pipeline/data, validated on load."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.core.errors import DataFileError

DATA_DIR = Path(__file__).parent.parent / "data"


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's loader: the data files load ~8x faster


def load_yaml(name: str, model: type[BaseModel] | None = None) -> Any:
    path = DATA_DIR / name
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as e:
        raise DataFileError(f"language data {path.name} cannot be read: {e}".split("\n")[0],
                            "reinstall chithi or fix the file") from None
    if model is None:
        return raw
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise DataFileError(f"language data {path.name} is malformed at {loc}: {first['msg']}",
                            "fix the data file") from None


class Lexicon(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc_types: dict[str, str]            # tên loại (as printed, any case) → code
    abbreviations: dict[str, str]        # "UBND" → "Ủy ban nhân dân"
    admin_levels: list[str]              # tỉnh, thành phố, huyện, ...
    signer_titles: list[str]             # Chủ tịch, Phó Chủ tịch, Giám đốc, ...
    capacities: dict[str, str]           # "TM." → "TM.", "KT." ...
    recipient_heads: list[str]           # Nơi nhận, Kính gửi
    surnames: list[str]                  # Vietnamese family names (signature name lines)
    ranks: list[str]                     # army/police ranks before a signer's name: Đại tá, Thiếu tướng, ...
    org_heads: list[str]                 # organisation heads, in their proper case
    motto: list[str]                     # national motto lines
    subject_stops: list[str] = []        # line openings a multi-line trích yếu stops at
    type_abbreviations: list[str]        # document-type abbreviations used in số ký hiệu
    symbol_confusables: list[str]        # characters OCR inserts into a số ký hiệu symbol
    search_synonyms: dict[str, str]      # abbreviation → words, for search


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    lx = load_yaml("lexicon.yaml", Lexicon)
    if not lx.doc_types:
        raise DataFileError("language data lexicon.yaml has no doc_types", "fix the data file")
    return lx
