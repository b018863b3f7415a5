"""The kept registers in the pages: each filled through its form, listed with its chart, opened on its own
page, and corrected in the open with a reason, the old values kept."""

from __future__ import annotations

import json
import re

import pytest
from helpers import as_user, csrf
from record_samples import SAMPLES

from forms.records import FORMS
from workflows.documents.record_charts import CHARTS

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
HX = {"HX-Request": "true"}


def shown(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1])


def test_every_register_is_filled_through_its_form_and_drawn_where_a_picture_helps(web):
    lixf = as_user(web, "lixf")
    for form, sample in SAMPLES.items():
        url = f"/records/{form}"
        made = lixf.post(url, data={**sample, "csrf_token": csrf(lixf, url)}, follow_redirects=False)
        assert made.status_code == 303, (form, made.text)
        page = lixf.get(url).text
        first = next(v for v in sample.values() if not v.isdigit())
        assert re.search(rf'href="/records/{form}/\d+"', page), form
        assert "choice" not in shown(page)
        if form in CHARTS:
            chart = json.loads(re.search(r'id="record-chart-data">(.*?)</script>', page, re.S).group(1))
            assert chart["title"] and chart["kind"] in ("bar", "pie", "heatmap"), form
        assert first in page or FORMS[form].zh in page
    risk = json.loads(re.search(r'id="record-chart-data">(.*?)</script>',
                                lixf.get("/records/risk").text, re.S).group(1))
    assert [2, 3, 1] in risk["data"]  # likelihood 3, impact 4: one risk in that cell
    budget = json.loads(re.search(r'id="record-chart-data">(.*?)</script>',
                                  lixf.get("/records/budget").text, re.S).group(1))
    assert budget["categories"] == ["2026"] and [s["data"] for s in budget["series"]] == [[300000.0], [120000.0]]
    english = as_user(web, "lixf")
    english.get("/lang/en")
    pie = json.loads(re.search(r'id="record-chart-data">(.*?)</script>',
                               english.get("/records/competence").text, re.S).group(1))
    assert pie["data"] == [{"name": "Competent", "value": 1}]  # names, never the stored code


def test_a_record_is_corrected_with_a_reason_and_its_old_values_stay_readable(web):
    lixf = as_user(web, "lixf")
    lixf.post("/records/risk", data={**SAMPLES["risk"], "csrf_token": csrf(lixf, "/records/risk")})
    rid = re.search(r'href="/records/risk/(\d+)"', lixf.get("/records/risk").text).group(1)
    url = f"/records/risk/{rid}"
    page = lixf.get(url).text
    assert 'id="correct-form"' in page and "电能表检定过期导致数据失准" in page
    token = csrf(lixf, url)
    changed = {**SAMPLES["risk"], "likelihood": "2", "owner": "周磊", "csrf_token": token}
    blank = lixf.post(url, data={**changed, "reason": ""}, headers=HX)
    assert blank.status_code == 400 and blank.json()["field"] == "reason"
    wrong = lixf.post(url, data={**changed, "likelihood": "9", "reason": "复核"}, headers=HX)
    assert wrong.status_code == 400 and wrong.json()["field"] == "likelihood"
    same = lixf.post(url, data={**SAMPLES["risk"], "csrf_token": token, "reason": "复核"}, headers=HX)
    assert same.status_code == 400 and "没有修改" in same.json()["message"]
    lixf.post(url, data={**changed, "reason": "已安装在线校验，可能性降低"})
    after = shown(lixf.get(url).text)
    assert "已安装在线校验，可能性降低" in after
    assert "可能性 1–5 ： 3 → 2" in re.sub(r"\s+", " ", after) or "可能性 1–5：3 → 2" in after
    assert "刘洋 → 周磊" in after
    assert "✎" in lixf.get("/records/risk").text
    staff = as_user(web, "yangf")  # not who kept it and not the carbon manager
    assert 'id="correct-form"' not in staff.get(url).text
    refused = staff.post(url, data={**changed, "likelihood": "1", "reason": "x", "csrf_token": csrf(staff, url)},
                         headers=HX)
    assert refused.status_code == 403
    assert as_user(web, "lixf").get("/records/budget/" + rid).status_code == 404  # a risk is not a budget line
