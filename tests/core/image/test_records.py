"""The image records: the patient's age at the study, read the ways DICOM files give it."""

from __future__ import annotations

import pytest

from radassist.core.image import ImageMeta, age_in_years


@pytest.mark.parametrize(("age", "years"), [("064Y", 64), ("018M", 1.5), ("006W", 6 * 7 / 365.25),
                                            ("010D", 10 / 365.25), ("62", 62), (" 5y ", 5)])
def test_dicom_age_strings(age, years):
    assert age_in_years(age) == pytest.approx(years)


def test_dates_when_there_is_no_age_string():
    assert age_in_years("", "19400305", "20040826") == pytest.approx(64.48, abs=0.01)
    assert age_in_years("garbage", "19400305", "20040826") == pytest.approx(64.48, abs=0.01)


@pytest.mark.parametrize(("age", "born", "study"), [(None, None, None), ("", "1940", "2004"),
                                                     ("", "20100101", "20000101"), ("999Y", "", "")])
def test_unknown_or_impossible_ages_are_none(age, born, study):
    assert age_in_years(age, born, study) is None


def test_meta_reads_age_from_patient_fields_and_study_date():
    meta = ImageMeta(fields={"StudyDate": "20040826"}, patient={"PatientBirthDate": "19400305"})
    assert meta.age_years == pytest.approx(64.48, abs=0.01)
    assert ImageMeta().age_years is None
