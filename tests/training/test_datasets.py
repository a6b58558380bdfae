"""Data sets: class folders and NIH-style CSVs become records with targets and patient ids."""

from __future__ import annotations

import pytest

from radassist.core.errors import DatasetError
from radassist.training.datasets import from_csv, load_dataset, normalise_label, patient_from_filename
from tests.conftest import shared_path
from tests.training._fixtures import make_class_folders


@pytest.mark.parametrize(("name", "patient"), [
    ("person1234_bacteria_3113.jpeg", "person1234"), ("person12_virus_44_1.jpeg", "person12"),
    ("IM-0115-0001.jpeg", "IM-0115"), ("NORMAL2-IM-0400-0001-0002.jpeg", "NORMAL2-IM-0400"),
    ("00000013_005.png", "00000013"), ("scan.png", None)])
def test_patient_ids_follow_the_file_naming_rules(name, patient):
    assert patient_from_filename(name) == patient


def test_class_folders_make_normal_the_negative_class(tmp_path):
    ds = load_dataset(make_class_folders(tmp_path / "d", n_per_class=4))
    assert ds.labels == ("pneumonia",)
    assert len(ds.records) == 8 and ds.positives() == (4,)
    assert {r.patient for r in ds.records if r.targets == (0,)} == {"IM-0000", "IM-0001"}
    assert all(r.targets == (int(r.path.startswith("PNEUMONIA/")),) for r in ds.records)


def test_patient_column_of_a_labels_csv_beside_the_folders_wins(tmp_path):
    root = make_class_folders(tmp_path / "d", n_per_class=2)
    (root / "labels.csv").write_text("path,label,patient_id\nNORMAL/IM-0000-0001.png,NORMAL,kid-7\n")
    ds = load_dataset(root)
    assert {r.path: r.patient for r in ds.records}["NORMAL/IM-0000-0001.png"] == "kid-7"


def test_nih_csv_multi_label_parsing(tmp_path):
    for name in ("00000001_000.png", "00000001_001.png", "00000002_000.png", "00000003_000.png"):
        (tmp_path / name).write_bytes(b"x")
    csv = tmp_path / "Data_Entry.csv"
    csv.write_text("Image Index,Finding Labels,Follow-up #,Patient ID\n"
                   "00000001_000.png,Cardiomegaly|Effusion,0,1\n"
                   "00000001_001.png,No Finding,1,1\n"
                   "00000002_000.png,Pleural_Thickening|Effusion|Infiltration,0,2\n"
                   "00000003_000.png,Effusion,0,3\n")
    ds = from_csv(csv)
    assert ds.labels == ("cardiomegaly", "effusion", "infiltration", "pleural_thickening")
    by_path = {r.path: r for r in ds.records}
    assert by_path["00000001_000.png"].targets == (1, 1, 0, 0)
    assert by_path["00000001_001.png"].targets == (0, 0, 0, 0)
    assert by_path["00000002_000.png"].targets == (0, 1, 1, 1)
    assert by_path["00000001_001.png"].patient == "1"
    only = from_csv(csv, labels=("effusion",))
    assert only.labels == ("effusion",) and only.positives() == (3,)
    assert any("cardiomegaly" in n for n in only.notes)


def test_csv_problems_are_dataset_errors(tmp_path):
    csv = tmp_path / "l.csv"
    csv.write_text("path,labels\nmissing.png,Pneumonia\n")
    with pytest.raises(DatasetError, match="missing"):
        from_csv(csv)
    csv.write_text("file_name,what\n")
    with pytest.raises(DatasetError, match="path column"):
        from_csv(csv)
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset(tmp_path / "nowhere")


def test_label_names_are_normalised():
    assert normalise_label("Pleural_Thickening") == "pleural_thickening"
    assert normalise_label("No Finding") == "no_finding"


def test_kermany_folder_and_its_csv_agree():
    root = shared_path("data", "kermany_train")
    by_folder = load_dataset(root)
    by_csv = load_dataset(root, root / "labels.csv")
    assert by_folder.records == by_csv.records
    assert len(by_folder.records) == 5232 and by_folder.positives() == (3883,)
    assert len({r.patient for r in by_folder.records}) == 2861
