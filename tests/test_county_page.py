"""The county page made in two steps (``fupin run``: the county's parts while the townships run,
the townships' parts after them) is the page made in one."""

from __future__ import annotations

import json
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fupin.report import charts
from fupin.batch.county_page import prepare_county_page, write_county_page
from fupin.batch.jobs import TownshipResult
from fupin.figures.parameters import report_parameters
from fupin.figures.analysis import analyse

DONE, FAILED = ("990101001", "990101002"), "990101003"


def batch_folder(out: Path, county) -> list[TownshipResult]:
    """A report folder with two townships done (their metrics.json) and one failed."""
    names = dict(county.townships()[["township_id", "township_name"]].itertuples(index=False))
    for tid in DONE:
        (out / tid).mkdir(parents=True)
        metrics = analyse(county.area(tid), year=2018).metrics
        (out / tid / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False), encoding="utf-8")
    return [*(TownshipResult(tid, names[tid], True, 1.0) for tid in DONE),
            TownshipResult(FAILED, names[FAILED], False, 1.0, error="执行失败")]


def page_text(path: Path) -> str:
    """index.html without its generation time."""
    html = path.read_text(encoding="utf-8")
    times = re.findall(r"生成时间</th><td class=\"text\">[^<]*", html)
    assert len(times) == 1
    return html.replace(times[0], "生成时间")


def docx_parts(path: Path) -> dict[str, bytes]:
    """county.docx's parts but its properties (the time it was made); its text holds a date, no time."""
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}
    assert not re.search(r"\d\d:\d\d", parts["word/document.xml"].decode("utf-8"))
    return parts


def test_the_parts_prepared_in_a_side_thread_give_the_one_shot_page(sample_county, tmp_path, monkeypatch):
    params = report_parameters(year=2018)
    one, two = tmp_path / "one", tmp_path / "two"
    results = batch_folder(one, sample_county)
    assert batch_folder(two, sample_county) == results
    write_county_page(one, sample_county, params, results)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fupin-county") as side:  # as fupin run does
        prepared = side.submit(prepare_county_page, sample_county, params).result()

    for name in ("income_band_chart", "incidence_trend_chart"):  # only the overview chart is left to draw
        def drawn_late(*args, _name=name, **kwargs):
            raise AssertionError(f"{_name}, a chart of the county's own figures, drawn after the townships")

        drawn_late.__name__ = name
        monkeypatch.setattr(charts, name, drawn_late)
    write_county_page(two, sample_county, params, results, prepared=prepared)

    assert (one / "summary.json").read_bytes() == (two / "summary.json").read_bytes()
    assert page_text(one / "index.html") == page_text(two / "index.html")
    first, second = docx_parts(one / "county.docx"), docx_parts(two / "county.docx")
    assert sorted(first) == sorted(second)
    assert len([name for name in first if name.startswith("word/media/")]) == 3  # overview, income bands, trend
    for name in first:
        assert first[name] == second[name], name
    page = (two / "index.html").read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in page and "执行失败" in page
    # the county as a whole under the townships, outside the sorted rows
    total = re.search(r'<tfoot><tr class="total">(.*?)</tr></tfoot>', page).group(1)
    assert re.findall(r">([^<]*)</th>", total)[:6] == ["全县合计", "130", "42（已出列15）", "4,000户9,270人",
                                                      "1,877户4,308人", "2.60%"]
    assert "乡镇代码" not in re.sub(r"<[^>]+>", "", page.split('<p class="subtitle">', 1)[-1][:200])


def test_the_summary_charts_are_drawn_in_the_one_shot_path_when_not_prepared(sample_county, tmp_path, monkeypatch):
    """Without prepared parts the page draws every chart itself (the calls the test above forbids)."""
    results = batch_folder(tmp_path, sample_county)
    drawn = []
    for name in ("income_band_chart", "incidence_trend_chart"):
        real = getattr(charts, name)

        def spy(*args, _real=real, **kwargs):
            drawn.append(_real.__name__)
            return _real(*args, **kwargs)

        spy.__name__ = name
        monkeypatch.setattr(charts, name, spy)
    write_county_page(tmp_path, sample_county, report_parameters(year=2018), results)
    assert drawn == ["income_band_chart", "incidence_trend_chart"]


def test_prepared_parts_hold_no_time_of_their_own(sample_county):
    """What is made while the townships run carries no time: the page's 生成时间 is taken at the end."""
    params = report_parameters(year=2018)
    first, second = prepare_county_page(sample_county, params), prepare_county_page(sample_county, params)
    assert "生成时间" not in dict(first.context["info"])
    assert (first.summary, first.context, first.docx_charts) == (second.summary, second.context, second.docx_charts)
