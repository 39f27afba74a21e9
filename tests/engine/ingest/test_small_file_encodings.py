"""Encodings of small Western and Polish exports, where a statistical guess is unreliable."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugins.tabular.csv_reader import DelimitedTextReader


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        # One Italian recipe in cp1252: charset_normalizer alone reads it as Korean (johab).
        ("Codice miscela;Cemento [kg/m³];Acqua [kg/m³];Età [giorni];Temperatura [°C]\r\n"
         "PROVA-R4;250,0;156,0;28;20,5\r\n", "cp1252"),
        ("Rezept;Hüttensand [kg/m³];Größe [m³];Temperatur [°C]\r\nR1;100;2,5;18\r\n", "cp1252"),
        ("Recette;Âge [jours];Résistance à la compression [MPa]\r\nR1;28;41,5\r\n", "cp1252"),
        ("Receta;Edad [días];Resistencia a compresión [MPa]\r\nR1;28;41,5\r\n", "cp1252"),
        ("Receptura;Objętość zarobu [m3];Wytrzymałość na ściskanie [MPa]\r\nR1;2,0;41,5\r\n",
         "cp1250"),
    ],
)
def test_tiny_single_byte_files_keep_their_accents_and_unit_symbols(
    tmp_path: Path, text: str, encoding: str
) -> None:
    path = tmp_path / "one_row.csv"
    path.write_bytes(text.encode(encoding))
    table = DelimitedTextReader().read(path).tables[0]
    assert list(table.frame.columns) == text.split("\r\n")[0].split(";")


def test_valid_utf8_is_read_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_bytes("Mix;Cemento [kg/m³]\nA;250\n".encode())
    assert DelimitedTextReader().read(path).tables[0].frame.columns[1] == "Cemento [kg/m³]"


def test_a_one_row_cp1252_recipe_imports_with_its_materials(tmp_path: Path) -> None:
    from engine import services
    from engine.storage import ProjectStore

    project = tmp_path / "plant.formix"
    services.create_project(project)
    path = tmp_path / "ricetta_prova.csv"
    path.write_bytes("Codice miscela;Descrizione;Cemento [kg/m³];Acqua [kg/m³];Sabbia [kg/m³]\r\n"
                     "PROVA-R4;Prova raccomandazione 4;250,0;156,0;831,0\r\n".encode("cp1252"))
    result = services.import_files(project, [path])
    assert not [w for w in result.warnings if "no unit" in w.reason]
    with ProjectStore.open(project) as store:
        parts = store.read("recipe_components")
    assert dict(zip(parts["material"], parts["unit"], strict=True)) == {
        "cemento": "kg/m³", "acqua": "kg/m³", "sabbia": "kg/m³"}
