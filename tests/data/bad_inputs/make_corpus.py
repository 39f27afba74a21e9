"""Write the bad-input corpus: small malformed plant files, one problem each.

Run ``python tests/data/bad_inputs/make_corpus.py`` from the repository root; the generated
files are committed, and ``cases.toml`` lists what each must be rejected with. The output is
deterministic (fixed seed, fixed workbook timestamps), so re-running changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

RECIPES = "Recipe,Cement (kg/m3),Water (kg/m3),Fly ash (kg/m3)\n"
BATCHES = "Batch,Recipe,Start,End,Cement (kg/m3),Water (kg/m3)\n"
SERIES = "tag,time,value,unit\n"
LAB = "batch_id,property,test_age,value,unit,replicate\n"

TEXT_FILES: dict[str, str] = {
    # delimiter the profile expects (;) is not the file's (|)
    "wrong_delimiter_pipe.csv":
        "Recipe|Cement (kg/m3)|Water (kg/m3)\nR1|350|175\nR2|300|180\n",
    # ":" is not a delimiter Formix sniffs: the file reads as one column
    "one_column_colon.csv":
        "Batch:Recipe:Cement (kg/m3)\nB1:R1:350\nB2:R2:300\n",
    # semicolon file forced to "," by the profile
    "semicolon_forced_comma.csv":
        "Recipe;Cement (kg/m3);Water (kg/m3)\nR1;350;175\nR2;300;180\n",
    "missing_required_column.csv":
        "Batch,Start,Cement (kg/m3)\nB1,2024-05-01 08:00,350\nB2,2024-05-01 09:00,300\n",
    "text_in_numeric.csv":
        RECIPES + "R1,350,175,50\nR2,300,abc,100\nR3,320,170,80\n",
    "negative_amount.csv":
        RECIPES + "R1,350,175,50\nR2,300,180,100\nR3,-5,170,80\n",
    "nan_in_required_value.csv":
        SERIES + "T1,2024-05-01 08:00,20.5,degC\nT1,2024-05-01 08:01,NaN,degC\n"
        "T1,2024-05-01 08:02,20.7,degC\n",
    "inf_value.csv":
        "Cement (kg/m3),Water (kg/m3),Age (day),Compressive strength (MPa)\n"
        "350,175,28,41.2\n300,180,28,inf\n",
    "duplicate_batch_ids.csv":
        BATCHES + "B1,R1,2024-05-01 08:00,2024-05-01 08:03,350,175\n"
        "B2,R1,2024-05-01 09:00,2024-05-01 09:03,351,174\n"
        "B1,R2,2024-05-01 10:00,2024-05-01 10:03,300,180\n",
    "duplicate_recipe_ids.csv":
        RECIPES + "R1,350,175,50\nR1,300,180,100\n",
    "duplicate_recipe_id_version.csv":
        "Recipe,Version,Cement (kg/m3),Water (kg/m3)\nR1,1,350,175\nR1,2,340,175\n"
        "R1,2,330,175\n",
    "unparseable_timestamp.csv":
        SERIES + "T1,2024-05-01 08:00,20.5,degC\nT1,2024-13-45 08:01,20.6,degC\n",
    "out_of_order_timestamps.csv":
        SERIES + "T1,2024-05-01 08:00,20.5,degC\nP1,2024-05-01 08:00,1.2,bar\n"
        "T1,2024-05-01 08:01,20.6,degC\nP1,2024-05-01 08:01,1.3,bar\n"
        "T1,2024-05-01 07:59,20.4,degC\n",
    "end_before_start.csv":
        BATCHES + "B1,R1,2024-05-01 08:00,2024-05-01 08:03,350,175\n"
        "B2,R1,2024-05-01 09:00,2024-05-01 08:55,351,174\n",
    "unknown_unit_in_column.csv":
        SERIES + "T1,2024-05-01 08:00,20.5,degC\nT1,2024-05-01 08:01,20.6,degX\n",
    "unknown_unit_in_profile.csv":
        RECIPES + "R1,350,175,50\n",
    "empty.csv": "",
    "blank_lines_only.csv": "\n\n  \n",
    "header_only.csv": RECIPES,
    "truncated_mid_row.csv":
        RECIPES + "R1,350,175,50\nR2,300,180,100\nR3,32",
    "batch_missing_recipe.csv":
        BATCHES + "B1,R1,2024-05-01 08:00,2024-05-01 08:03,350,175\n"
        "B2,R9,2024-05-01 09:00,2024-05-01 09:03,300,180\n",
    "composition_over_100.csv":
        "Fe (wt%),C (wt%),Cr (wt%),Ni (wt%),Yield strength (MPa)\n"
        "70,0.2,18,8,310\n80,0.3,18,9,305\n",
    "test_age_zero.csv":
        LAB + "B1,compressive strength,28,41.2,MPa,1\nB1,compressive strength,0,12.0,MPa,1\n",
    "test_age_negative.csv":
        "Cement (kg/m3),Water (kg/m3),Age (day),Compressive strength (MPa)\n"
        "350,175,28,41.2\n350,175,-7,30.1\n",
    "bad_date_in_lab_results.csv":
        LAB + "B1,compressive strength,28,41.2,MPa,1\n"
        "B2,compressive strength,28/05/2024,39.9,MPa,1\n",
    "value_column_empty.csv":
        LAB + "B1,compressive strength,28,,MPa,1\nB2,compressive strength,28,,MPa,1\n",
    "replicate_not_a_number.csv":
        LAB + "B1,compressive strength,28,41.2,MPa,1\nB1,compressive strength,28,40.8,MPa,A\n",
    "replicate_zero.csv":
        LAB + "B1,compressive strength,28,41.2,MPa,0\n",
    "unclosed_quote.csv":
        "Recipe,name,Cement (kg/m3)\nR1,\"Bridge C30\",350\nR2,\"Pier C40,300\nR3,Deck,320\n",
    "ragged_row.csv":
        "Recipe,Cement (kg/m3),Water (kg/m3)\nR1,350,175\nR2,300,180\nR3,320,170,80\n",
    "wide_duplicate_tag.csv":
        "time,TI-101,PI-202,TI-101\n2024-05-01 08:00,20.5,1.2,20.4\n"
        "2024-05-01 08:01,20.6,1.3,20.5\n",
    "wide_text_cell.csv":
        "time,TI-101 (degC),PI-202 (bar)\n2024-05-01 08:00,20.5,1.2\n"
        "2024-05-01 08:01,ERR,1.3\n2024-05-01 08:02,20.7,1.4\n",
    "unknown_property_unit.csv":
        LAB + "B1,compressive strength,28,41.2,MPa,1\nB2,compressive strength,28,39.9,MPaa,1\n",
    "percent_over_100.csv":
        "Cement (kg/m3),Water (kg/m3),Curing humidity (%),Age (day),Compressive strength (MPa)\n"
        "350,175,95,28,41.2\n340,175,130,28,40.1\n",
    "dst_gap_local_time.csv":
        SERIES + "T1,2024-03-31 01:30,20.5,degC\nT1,2024-03-31 02:30,20.6,degC\n"
        "T1,2024-03-31 03:30,20.7,degC\n",
    "unknown_material_kind.csv":
        "Material,Kind,Price,Density (kg/m3)\nCEM I 42.5,cement,110,3150\n"
        "Mystery,unobtainium,5,2500\n",
    "empty_batch_id.csv":
        BATCHES + "B1,R1,2024-05-01 08:00,2024-05-01 08:03,350,175\n"
        ",R1,2024-05-01 09:00,2024-05-01 09:03,351,174\n",
    "recipe_version_text.csv":
        "Recipe,Version,Cement (kg/m3),Water (kg/m3)\nR1,1,350,175\nR2,A,340,175\n",
    "second_header_row.csv":
        "Recipe,Cement,Water,Fly ash\n,kg/m3,kg/m3,kg/m3\nR1,350,175,50\nR2,300,180,100\n"
        "R3,320,170,80\n",
}


def _cp1252_declared_utf8() -> bytes:
    text = "Recipe,name,Cement (kg/m3)\nR1,Bridge,350\nR2,Pier,300\nR3,Béton C30,320\n"
    return text.encode("cp1252")


def _utf16_bad_cell() -> bytes:
    text = ("Recipe\tCement (kg/m3)\tWater (kg/m3)\r\nR1\t350\t175\r\nR2\t3OO\t180\r\n"
            "R3\t320\t170\r\n")
    return text.encode("utf-16")  # with BOM, little endian


def _binary_garbage() -> bytes:
    rng = random.Random(20240501)
    return bytes(rng.randrange(256) for _ in range(600))


def _workbook(rows: list[list[object]], merge: str | None = None) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Mixes"
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    fixed = dt.datetime(2024, 5, 1, 12, 0, 0)
    book.properties.created = fixed
    book.properties.modified = fixed
    buffer = io.BytesIO()
    book.save(buffer)
    return _normalise_zip(buffer.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed member timestamps so the bytes do not depend on the clock."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 5, 1, 12, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                                 rb"\g<1>2024-05-01T12:00:00Z", content)
            target.writestr(fixed, content)
    return out.getvalue()


def binary_files() -> dict[str, bytes]:
    """Every non-text fixture by file name."""
    good = [["Recipe", "Cement (kg/m3)", "Water (kg/m3)", "Age (day)"],
            ["R1", 350, 175, 28], ["R2", 300, 180, 28], ["R3", 320, 170, 7]]
    merged = [["Recipe", "Binder", None, "Water (kg/m3)"],
              [None, "Cement", "Fly ash", None],
              ["R1", 350, 50, 175], ["R2", 300, 100, 180]]
    units_row = [["Recipe", "Cement", "Water", "Fly ash"], [None, "kg/m3", "kg/m3", "kg/m3"],
                 ["R1", 350, 175, 50], ["R2", 300, 180, 100], ["R3", 320, 170, 80]]
    text_cell = [["Cement (kg/m3)", "Water (kg/m3)", "Age (day)", "Compressive strength (MPa)"],
                 [350, 175, 28, 41.2], [300, 180, 7, 30.5], [320, 170, "twelve", 35.1]]
    workbook = _workbook(good)
    return {
        "cp1252_declared_utf8.csv": _cp1252_declared_utf8(),
        "utf16_bad_cell.csv": _utf16_bad_cell(),
        "binary_garbage.csv": _binary_garbage(),
        "actually_csv.xlsx": (RECIPES + "R1,350,175,50\n").encode(),
        "truncated.xlsx": workbook[: len(workbook) // 2],
        "merged_header.xlsx": _workbook(merged, merge="B1:C1"),
        "units_row_header.xlsx": _workbook(units_row),
        "text_in_numeric.xlsx": _workbook(text_cell),
        "garbage_ole.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + _binary_garbage()[:504],
        "empty_sheet.xlsx": _workbook([]),
    }


def main() -> None:
    """Write every fixture next to this script."""
    for name, text in TEXT_FILES.items():
        (HERE / name).write_bytes(text.encode("utf-8"))
    for name, data in binary_files().items():
        (HERE / name).write_bytes(data)
    print(f"wrote {len(TEXT_FILES) + len(binary_files())} files to {HERE}")


if __name__ == "__main__":
    main()
