"""Legacy Vietnamese font encodings (TCVN3/ABC and VNI Windows): tables, conversion, detection."""
from __future__ import annotations

import random
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
import yaml

from pipeline.core.errors import DataFileError
from pipeline.lang.legacy import decode_text
from pipeline.lang.legacy_tables import DATA_FILE, VIETNAMESE_LETTERS, build_tables, convert_legacy, convert_legacy_text, detect_legacy, detect_legacy_text, is_vietnamese_syllable, tables

CORPUS_FILE = Path(__file__).resolve().parents[1] / "corpus" / "000_4a226a3da77387bf.txt"

# Lines from corpus/000_4a226a3da77387bf.txt (shortened), capitals only where TCVN3 can restore them.
PARAGRAPH = """Số: 01/CT-UBND

Nha Trang, ngày 19 tháng 3 năm 2024

## CHỈ THỊ

### Về việc phát động phong trào “Thi đua thực hiện nhiệm vụ phát triển kinh tế - xã hội, quốc phòng - an ninh, xây dựng đô thị văn minh, nông thôn hiện đại thành phố Nha Trang giai đoạn 2024 - 2025”

Nhằm phấn đấu thực hiện thắng lợi các mục tiêu, nhiệm vụ tại Kế hoạch phát triển kinh tế - xã hội 5 năm (giai đoạn 2021 - 2025) theo Nghị quyết Đại hội Đảng bộ thành phố Nha Trang lần thứ XVII, nhiệm kỳ 2020 - 2025.

8. Ủy ban Mặt trận Tổ quốc Việt Nam thành phố, các tổ chức chính trị - xã hội, tổ chức xã hội nghề nghiệp của thành phố và xã, phường phối hợp chặt chẽ với cấp ủy, chính quyền địa phương.

- Sở Nội vụ tỉnh KH;
- Lưu: VT, NV (03b).

**CHỦ TỊCH**

**Nguyễn Sỹ Khánh**
"""


# ---------------------------------------------------------------------------------------------
# Encoders (inverse tables) built from the raw data file, used to make legacy test input.

def _raw() -> dict:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


def tcvn3_encode(text: str) -> bytes:
    """Unicode -> TCVN3 bytes as typed in the ABC fonts: capitals other than Ă Â Ê Ô Ơ Ư Đ use the
    lowercase codes (the .VnTimeH font), everything else is Windows-1252."""
    raw = _raw()["tcvn3"]
    inv = {v: int(k, 16) for part in ("lower", "upper") for k, v in raw[part].items()}
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ch in inv:
            out.append(inv[ch])
        elif ch.lower() in inv:
            out.append(inv[ch.lower()])
        else:
            out += ch.encode("cp1252")
    return bytes(out)


def vni_encode(text: str) -> bytes:
    raw = _raw()["vni"]
    inv = {v: bytes([int(k, 16)]) for k, v in raw["letters"].items()}
    inv.update({v: bytes(int(h, 16) for h in k.split()) for k, v in raw["sequences"].items()})
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        out += inv[ch] if ch in inv else ch.encode("cp1252")
    return bytes(out)


ENCODERS = {"tcvn3": tcvn3_encode, "vni": vni_encode}


# ---------------------------------------------------------------------------------------------
# Tables

def test_tables_load_once_and_cover_vietnamese():
    t = tables()
    assert tables() is t
    assert set(t.tcvn3.values()) >= {c for c in VIETNAMESE_LETTERS if c.islower()}
    assert set(t.vni_letters.values()) | set(t.vni_sequences.values()) == VIETNAMESE_LETTERS
    assert len(VIETNAMESE_LETTERS) == 134


@pytest.mark.parametrize("byte, char", [
    (0xA1, "Ă"), (0xA2, "Â"), (0xA3, "Ê"), (0xA4, "Ô"), (0xA5, "Ơ"), (0xA6, "Ư"), (0xA7, "Đ"),
    (0xA8, "ă"), (0xA9, "â"), (0xAA, "ê"), (0xAB, "ô"), (0xAC, "ơ"), (0xAD, "ư"), (0xAE, "đ"),
    (0xB5, "à"), (0xB6, "ả"), (0xB7, "ã"), (0xB8, "á"), (0xB9, "ạ"),
    (0xBB, "ằ"), (0xBC, "ẳ"), (0xBD, "ẵ"), (0xBE, "ắ"), (0xC6, "ặ"),
    (0xC7, "ầ"), (0xC8, "ẩ"), (0xC9, "ẫ"), (0xCA, "ấ"), (0xCB, "ậ"),
    (0xCC, "è"), (0xCE, "ẻ"), (0xCF, "ẽ"), (0xD0, "é"), (0xD1, "ẹ"),
    (0xD2, "ề"), (0xD3, "ể"), (0xD4, "ễ"), (0xD5, "ế"), (0xD6, "ệ"),
    (0xD7, "ì"), (0xD8, "ỉ"), (0xDC, "ĩ"), (0xDD, "í"), (0xDE, "ị"),
    (0xDF, "ò"), (0xE1, "ỏ"), (0xE2, "õ"), (0xE3, "ó"), (0xE4, "ọ"),
    (0xE5, "ồ"), (0xE6, "ổ"), (0xE7, "ỗ"), (0xE8, "ố"), (0xE9, "ộ"),
    (0xEA, "ờ"), (0xEB, "ở"), (0xEC, "ỡ"), (0xED, "ớ"), (0xEE, "ợ"),
    (0xEF, "ù"), (0xF1, "ủ"), (0xF2, "ũ"), (0xF3, "ú"), (0xF4, "ụ"),
    (0xF5, "ừ"), (0xF6, "ử"), (0xF7, "ữ"), (0xF8, "ứ"), (0xF9, "ự"),
    (0xFA, "ỳ"), (0xFB, "ỷ"), (0xFC, "ỹ"), (0xFD, "ý"), (0xFE, "ỵ"),
    (0xC0, "Ắ"), (0xFF, "Ố"),                  # TCVN 5712 VN1 capitals in the gaps of VN3
])
def test_tcvn3_table(byte, char):
    assert tables().tcvn3[chr(byte)] == char


@pytest.mark.skipif(shutil.which("iconv") is None, reason="no iconv")
def test_tcvn3_table_matches_glibc_tcvn5712():
    """Independent check: glibc's TCVN5712-1 codec agrees on every byte 0xA1-0xFF."""
    data = bytes(range(0xA1, 0x100))
    res = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=data, capture_output=True)
    if res.returncode != 0:
        pytest.skip("iconv has no TCVN5712-1")
    glibc = dict(zip(data, res.stdout.decode("utf-8")))
    ours = tables().tcvn3
    assert {b: ours[chr(b)] for b in data} == glibc


@pytest.mark.parametrize("legacy, expected", [
    ("aø aù aû aõ aï", "à á ả ã ạ"),
    ("aê aè aé aú aü aë", "ă ằ ắ ẳ ẵ ặ"),
    ("aâ aà aá aå aã aä", "â ầ ấ ẩ ẫ ậ"),
    ("eâ eà eá eå eã eä", "ê ề ế ể ễ ệ"),
    ("oâ oà oá oå oã oä", "ô ồ ố ổ ỗ ộ"),
    ("ô ôø ôù ôû ôõ ôï", "ơ ờ ớ ở ỡ ợ"),
    ("ö öø öù öû öõ öï", "ư ừ ứ ử ữ ự"),
    ("ì í æ ó ò", "ì í ỉ ĩ ị"),
    ("yø yù yû yõ î", "ỳ ý ỷ ỹ ỵ"),
    ("ñ Ñ", "đ Đ"),
    ("AØ AÙ AÛ AÕ AÏ AÊ AÈ AÉ AÚ AÜ AË", "À Á Ả Ã Ạ Ă Ằ Ắ Ẳ Ẵ Ặ"),
    ("AÂ AÀ AÁ AÅ AÃ AÄ OÂ OÄ Ô ÔÙ Ö ÖÏ", "Â Ầ Ấ Ẩ Ẫ Ậ Ô Ộ Ơ Ớ Ư Ự"),
    ("Ì Í Æ Ó Ò YØ YÙ YÛ YÕ Î", "Ì Í Ỉ Ĩ Ị Ỳ Ý Ỷ Ỹ Ỵ"),
    ("UÛy Uûy", "Ủy Ủy"),                          # mark of the other case: base letter decides
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc"),
    ("ngöôøi thuôû khuyeán nghieâng", "người thuở khuyến nghiêng"),
])
def test_vni_conversion(legacy, expected):
    assert convert_legacy_text(legacy, "vni") == expected
    assert convert_legacy(legacy.encode("cp1252"), "vni") == expected


@pytest.mark.parametrize("legacy, expected", [
    ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Cộng hoà xã hội chủ nghĩa Việt Nam"),
    ("§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
    ("ng\xadêi thuë khuyÕn nghiªng", "người thuở khuyến nghiêng"),
    # .VnTimeH capitals: lowercase codes inside all-caps words and lines
    ("CéNG HOµ X· HéI CHñ NGHÜA VIÖT NAM", "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("CHØ THÞ", "CHỈ THỊ"),
    ("**CHñ TÞCH**", "**CHỦ TỊCH**"),
    ("Hµ Néi, ngµy 5", "Hà Nội, ngày 5"),        # one capital + lowercase: stays lowercase
    ("Bé Y TÕ", "BỘ Y TẾ"),                      # whole line in capitals
    ("**TM. ñY BAN NH¢N D¢N", "**TM. ỦY BAN NHÂN DÂN"),
    ("Ch©u ¢u, ... ®Èy m¹nh", "Châu Âu, ... đẩy mạnh"),   # "..." does not end a sentence
    ("Sè: 01/CT-UBND", "Số: 01/CT-UBND"),         # an abbreviation does not make the line capitals
    # sentence starts
    ("ñy ban nh©n d©n", "Ủy ban nhân dân"),
    ("8. ñy ban MÆt trËn", "8. Ủy ban Mặt trận"),
    ("xong. ë ®©y", "xong. Ở đây"),
    ("Chñ tÞch ñy ban", "Chủ tịch ủy ban"),      # mid-sentence: case lost (TCVN3 limit)
    ("a\xb3 a\xb4", "á ạ"),                       # combining tone marks
    ("\x93Thi ®ua\x94", "“Thi đua”"),             # Windows-1252 quotes survive
])
def test_tcvn3_conversion(legacy, expected):
    assert convert_legacy_text(legacy, "tcvn3") == expected


def test_convert_unknown_encoding():
    with pytest.raises(ValueError, match="unknown legacy encoding"):
        convert_legacy_text("abc", "viscii")


# ---------------------------------------------------------------------------------------------
# Round trips

@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_round_trip_paragraph(encoding):
    data = ENCODERS[encoding](PARAGRAPH)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert detect_legacy(data) == encoding
    out = convert_legacy(data, encoding)
    assert out == PARAGRAPH
    assert unicodedata.is_normalized("NFC", out)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_round_trip_as_unicode_text(encoding):
    """Legacy code points saved as UTF-8 (the file was read as Windows-1252 and re-saved)."""
    text = ENCODERS[encoding](PARAGRAPH).decode("cp1252")
    assert detect_legacy_text(text) == encoding
    assert convert_legacy_text(text, encoding) == PARAGRAPH
    # ... and read as Latin-1 instead (0x93/0x94 became U+0093/U+0094)
    text1 = ENCODERS[encoding](PARAGRAPH).decode("latin-1")
    assert convert_legacy_text(text1, encoding) == PARAGRAPH


@pytest.mark.skipif(not CORPUS_FILE.exists(), reason="corpus not present")
@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_round_trip_corpus_file(encoding):
    original = unicodedata.normalize("NFC", CORPUS_FILE.read_text(encoding="utf-8"))
    data = ENCODERS[encoding](original)
    assert detect_legacy(data) == encoding
    out = convert_legacy(data, encoding)
    if encoding == "vni":
        assert out == original
    else:
        # TCVN3 loses the capital of "Ủy" in the middle of a sentence (".VnTimeH" font switch).
        assert out == original.replace("Chủ tịch Ủy ban", "Chủ tịch ủy ban")
        assert out.lower() == original.lower()


# ---------------------------------------------------------------------------------------------
# Detection: conservative

FRENCH = ("Le café était très intéressant. Où êtes-vous allés pendant les vacances d'été ? "
          "Les élèves préfèrent la crème brûlée à la pâtisserie française, même à Noël.")
GERMAN = ("Müller sagte, die Größe der Straße sei schön. Für die Äpfel und Bäume über den Brücken "
          "müssen wir später zahlen; Käse, Öl und Süßigkeiten kosten heute weniger als früher.")
SPANISH = "El niño comió piña en la montaña; mañana irá a España con su compañía."
VIETNAMESE = "Cộng hòa xã hội chủ nghĩa Việt Nam. Độc lập - Tự do - Hạnh phúc."
LATIN1_VIETNAMESE = "Tôi là ông già, tôi có nhà bên kia sông"    # real Vietnamese using only Latin-1 letters


@pytest.mark.parametrize("text", [FRENCH, GERMAN, SPANISH, FRENCH + "\n" + GERMAN])
@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_western_bytes_not_flagged(text, codec):
    assert detect_legacy(text.encode(codec)) is None


@pytest.mark.parametrize("text", [FRENCH, GERMAN, SPANISH, VIETNAMESE, LATIN1_VIETNAMESE,
                                  PARAGRAPH, "plain ASCII text only", "", "Céng hoµ"])
def test_unicode_text_not_flagged(text):
    assert detect_legacy_text(text) is None


def test_latin1_vietnamese_bytes_not_flagged():
    assert detect_legacy(LATIN1_VIETNAMESE.encode("latin-1")) is None


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_not_flagged(seed):
    rng = random.Random(seed)
    assert detect_legacy(bytes(rng.randrange(256) for _ in range(4000))) is None
    # high bytes and letters with spaces: looks more like text, still not Vietnamese
    alphabet = bytes(range(0xA0, 0x100)) + b"abcdefghiklmnopqrstuvxy     "
    assert detect_legacy(bytes(rng.choice(alphabet) for _ in range(4000))) is None


def test_utf8_bytes_are_not_legacy_bytes():
    assert detect_legacy(PARAGRAPH.encode("utf-8")) is None


@pytest.mark.parametrize("word, ok", [
    ("người", True), ("nghĩa", True), ("thuở", True), ("khuyến", True), ("quốc", True), ("gì", True),
    ("hoạch", True), ("Việt", True), ("ỦY", True), ("giữ", True), ("oái", True),
    ("café", False), ("très", False), ("où", False), ("schön", False), ("mát̀", False),
    ("hoàt", False), ("ăn", True), ("ă", False), ("niño", False),
])
def test_syllable_check(word, ok):
    assert is_vietnamese_syllable(unicodedata.normalize("NFC", word)) is ok


# ---------------------------------------------------------------------------------------------
# decode_text integration

@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_decode_text_legacy_bytes(encoding):
    assert decode_text(ENCODERS[encoding](PARAGRAPH), "x.txt") == (PARAGRAPH, encoding)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_decode_text_legacy_code_points_in_utf8(encoding):
    data = ENCODERS[encoding](PARAGRAPH).decode("cp1252").encode("utf-8")
    assert decode_text(data, "x.txt") == (PARAGRAPH, f"utf-8+{encoding}")


@pytest.mark.parametrize("text", [PARAGRAPH, FRENCH, "abc"])
def test_decode_text_plain_utf8_unchanged(text):
    assert decode_text(text.encode("utf-8"), "x.txt") == (text, "utf-8")


def test_decode_text_french_cp1252_not_converted():
    text, enc = decode_text(FRENCH.encode("cp1252"), "x.txt")
    assert enc not in ("tcvn3", "vni")
    assert text == FRENCH


# ---------------------------------------------------------------------------------------------
# Data file validation

def _mutated(path: tuple[str, ...], value) -> dict:
    raw = _raw()
    node = raw
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return raw


@pytest.mark.parametrize("path, value, message", [
    (("tcvn3", "lower", "B5"), "aa", r"tcvn3\.lower\.B5: value 'aa' is not a single NFC character"),
    (("tcvn3", "lower", "B5"), "a\u0300", r"not a single NFC character"),
    (("tcvn3", "lower", "B5"), "ç", r"'ç' is not a Vietnamese letter"),
    (("tcvn3", "lower", "B5"), "À", r"'À' is not lowercase"),
    (("tcvn3", "lower", "B5"), "á", r"'á' is already mapped from another byte"),
    (("tcvn3", "lower", "B5"), KeyError, r"tcvn3\.lower: no byte for à"),
    (("tcvn3", "lower", "G1"), "à", r"key 'G1' is not a byte in hex"),
    (("tcvn3", "lower", "93"), "à", r"0x80-0x9F"),
    (("tcvn3", "combining", "B0"), "x", r"not a Vietnamese combining tone mark"),
    (("vni", "letters", "F1"), KeyError, r"vni: no encoding for đ"),
    (("vni", "sequences", "61 F8"), "è", r"'è' is not 'a' with a mark"),
    (("vni", "sequences", "61F8"), "à", r"key must be two hex bytes"),
    (("vni", "sequences", "61 F9"), "à", r"letters with more than one encoding: à"),
    (("vni",), KeyError, r"missing section 'vni'"),
    (("vni", "letters"), [], r"vni\.letters: expected a non-empty mapping"),
])
def test_malformed_data_rejected(path, value, message):
    with pytest.raises(DataFileError, match=message):
        build_tables(_mutated(path, value))


def test_duplicate_key_rejected(tmp_path, monkeypatch):
    import pipeline.lang.legacy_tables as lt

    text = DATA_FILE.read_text(encoding="utf-8").replace('    "B5": "à"', '    "B5": "à"\n    "B5": "á"')
    bad = tmp_path / "legacy_encodings.yaml"
    bad.write_text(text, encoding="utf-8")
    monkeypatch.setattr(lt, "DATA_FILE", bad)
    lt.tables.cache_clear()
    try:
        with pytest.raises(DataFileError, match=r"duplicate key 'B5'"):
            lt.tables()
    finally:
        lt.tables.cache_clear()


def test_data_file_is_valid_yaml_of_nfc_strings():
    raw = _raw()
    for enc in raw.values():
        for part in enc.values():
            for value in part.values():
                assert unicodedata.is_normalized("NFC", value)
