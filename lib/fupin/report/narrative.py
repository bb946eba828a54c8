"""The report's generated Chinese text: 基本情况, 存在问题, 脱贫退出预测.

Every sentence is built from the metrics dict (see fupin.figures.analysis) and its
numbers go through fupin.report.style. Nothing is escaped here (the HTML layer
does that), and nothing names a person: villages are named, households
only counted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from fupin.core import contract, formats
from fupin.report import style
from fupin.core.formats import fmt_hh_people, fmt_pct_short, fmt_yuan

Metrics = Mapping[str, Any]

#: The problem phrase for each failing household guarantee (projection.reasons).
GUARANTEE_PROBLEMS: dict[str, str] = {
    "food_clothing_ok": "未实现不愁吃穿",
    "education_ok": "义务教育保障未落实",
    "medical_ok": "基本医疗保障未落实",
    "housing_ok": "住房安全保障未落实",
    "water_ok": "饮水安全保障未落实",
}

_COUNTY_SUFFIXES = ("县", "区", "市", "旗")

#: At most this many village names in one sentence; more read "…等N个村".
NAMED_VILLAGES = 12


# ---------------------------------------------------------------- helpers


def _hp(count: Mapping[str, Any] | None) -> tuple[int, int]:
    """(households, people) of a count dict; missing -> zeros."""
    count = count or {}
    return int(count.get("households") or 0), int(count.get("people") or 0)


def is_county(metrics: Metrics) -> bool:
    """True for the county summary (township_id "county", as summary.json has it)."""
    return str(metrics.get("township_id") or "county") == "county"


def area_name(metrics: Metrics) -> str:
    """The township's name, or the county's for the county summary."""
    if is_county(metrics):
        return str(metrics.get("county_name") or metrics.get("township_name") or "全县")
    return str(metrics.get("township_name") or "")


def whole_area(metrics: Metrics) -> str:
    """全镇 / 全乡 for a township (by its name's last character), 全县 for the county.

    >>> whole_area({"township_id": "002", "township_name": "河口乡"})
    '全乡'
    """
    name = area_name(metrics)
    if is_county(metrics):
        return "全" + (name[-1] if name.endswith(_COUNTY_SUFFIXES) else "县")
    if name.endswith("街道"):
        return "全街道"
    if name.endswith(("镇", "乡")):
        return "全" + name[-1]
    return "全乡镇"


def village_names(metrics: Metrics) -> dict[str, str]:
    """Each village's name as the reader sees it, by id (villages_table): its own name, or its
    township's and its own where villages of two townships of the area share a name, as a
    county's report must say which 东垭村 it means.

    >>> village_names({"villages_table": [
    ...     {"village_id": "1", "village_name": "东垭村", "township_name": "城关镇"},
    ...     {"village_id": "2", "village_name": "东垭村", "township_name": "河口乡"},
    ...     {"village_id": "3", "village_name": "石桥村", "township_name": "城关镇"}]})
    {'1': '城关镇东垭村', '2': '河口乡东垭村', '3': '石桥村'}
    """
    rows = list(metrics.get("villages_table") or [])
    townships: dict[str, set[str]] = {}
    for v in rows:
        townships.setdefault(str(v.get("village_name")), set()).add(str(v.get("township_name") or ""))
    names = {}
    for v in rows:
        name, township = str(v.get("village_name")), str(v.get("township_name") or "")
        names[str(v.get("village_id"))] = township + name if len(townships[name]) > 1 and township else name
    return names


def _village_names(metrics: Metrics, ids: Sequence[str]) -> list[str]:
    """Village names for ids (:func:`village_names`; the id where none is known)."""
    names = village_names(metrics)
    return [names.get(str(vid), str(vid)) for vid in ids]


def _named(metrics: Metrics, ids: Sequence[str]) -> str:
    """Village names joined by 、, at most :data:`NAMED_VILLAGES` of them (then 等N个村).

    >>> m = {"villages_table": [{"village_id": "1", "village_name": "石桥村"}]}
    >>> _named(m, ["1", "2"])
    '石桥村、2'
    """
    names = _village_names(metrics, ids)
    if len(names) > NAMED_VILLAGES:
        return "、".join(names[:NAMED_VILLAGES]) + f"等{len(names)}个村"
    return "、".join(names)


def _threshold(metrics: Metrics) -> float | None:
    """The village exit threshold V of the run."""
    return (metrics.get("parameters") or {}).get("village_threshold")


def _clause_band(band: Mapping[str, Any], first: bool) -> str:
    """One income band as a clause of the seed's band sentence."""
    lower, upper = band.get("lower"), band.get("upper")
    count = fmt_hh_people(band)
    if band.get("band") == "unknown":
        return f"收入情况不明的{count}"
    if lower is None and upper is None:
        return f"收入预计为{count}"
    if lower is None:
        return f"{'收入预计在' if first else ''}{fmt_yuan(upper)}以下的{count}"
    lead = "收入预计在" if first else ""
    if upper is None:
        return f"{lead}{fmt_yuan(lower)}以上的预计有{count}"
    return f"{lead}{fmt_yuan(lower)}—{fmt_yuan(upper)}的预计有{count}"


# ---------------------------------------------------------------- 基本情况


def _sentence_overview(metrics: Metrics) -> str:
    """Villages, poor villages, registered poor people and cadres."""
    villages = metrics.get("villages") or {}
    poor, deep = int(villages.get("poor") or 0), int(villages.get("deep_poor") or 0)
    parts = [f"{area_name(metrics)}下辖{int(villages.get('total') or 0)}个行政村"]
    if poor:
        parts.append(f"共有贫困村{poor}个")
        parts.append(f"有深度贫困村{deep}个" if deep else "无深度贫困村")
    else:
        parts.append("无贫困村")
    parts.append(f"{whole_area(metrics)}建档立卡贫困人口{fmt_hh_people(metrics.get('registered'))}")
    cadres = int(metrics.get("cadres") or 0)
    parts.append(f"帮扶干部共计{formats.fmt_int(cadres)}人" if cadres else "暂无帮扶干部记录")
    return "，".join(parts) + "。"


def _sentence_status(metrics: Metrics) -> str:
    """Status at the end of Y: villages exited, people exited and remaining, incidence."""
    villages = metrics.get("villages") or {}
    poor = int(villages.get("poor") or 0)
    exited_v, remaining_v = int(villages.get("poor_exited") or 0), int(villages.get("poor_remaining") or 0)
    parts: list[str] = []
    if poor and remaining_v:
        parts.append(f"已出列贫困村{exited_v}个，未出列贫困村{remaining_v}个；")
    elif poor:
        parts.append(f"{poor}个贫困村已全部出列；")
    remaining_hh, _ = _hp(metrics.get("remaining"))
    people = f"已脱贫人口{fmt_hh_people(metrics.get('exited'))}，"
    if remaining_hh:
        people += f"未脱贫人口{fmt_hh_people(metrics.get('remaining'))}，"
    else:
        people += "未脱贫人口已清零，"
    parts.append(people + f"贫困发生率为{fmt_pct_short(metrics.get('incidence'))}。")
    return f"{metrics.get('year')}年底，" + "".join(parts)


def _sentence_projection(metrics: Metrics) -> str:
    """Projected village and household exits in T and the projected incidence."""
    villages = metrics.get("villages") or {}
    projection = metrics.get("projection") or {}
    remaining_hh, _ = _hp(metrics.get("remaining"))
    remaining_v = int(villages.get("poor_remaining") or 0)
    if not remaining_hh and not remaining_v:
        return ""
    parts: list[str] = []
    if remaining_v:
        exiting = len(projection.get("villages_exiting") or [])
        parts.append(f"拟出列贫困村{exiting}个；" if exiting else "暂无拟出列贫困村；")
    if remaining_hh:
        exits_hh, _ = _hp(projection.get("exits"))
        now, later = metrics.get("incidence"), projection.get("incidence")
        verb = "预计下降为" if now is not None and later is not None and later < now else "预计为"
        lead = f"拟脱贫人口{fmt_hh_people(projection.get('exits'))}" if exits_hh else "暂无拟脱贫人口"
        parts.append(f"{lead}，贫困发生率{verb}{fmt_pct_short(later)}。")
    else:
        parts[-1] = parts[-1].rstrip("；") + "。"
    return f"{metrics.get('target_year')}年，" + "".join(parts)


def bands_sentence(metrics: Metrics) -> str:
    """Registered households by projected income band in T (the last sentence of 基本情况)."""
    bands = list(metrics.get("income_bands") or [])
    known = [b for b in bands if b.get("band") != "unknown"]
    unknown = [b for b in bands if b.get("band") == "unknown" and _hp(b)[0]]
    clauses = [_clause_band(band, index == 0) for index, band in enumerate(known)]
    clauses += [_clause_band(band, not clauses) for band in unknown]
    if not clauses:
        return ""
    return f"{metrics.get('target_year')}年贫困户" + "；".join(clauses) + "。"


def basic_situation(metrics: Metrics) -> str:
    """The 一、基本情况 paragraph, in the seed report's words, from the metrics dict.

    Four sentences: the area (villages, poor and deep-poor villages,
    registered poor people, cadres); the status at the end of Y (villages
    exited, people exited and remaining, incidence); the projection for T
    (villages and people to exit, projected incidence; left out when nothing
    remains); the registered households by projected income band in T (with
    收入情况不明 when some income is unknown). Counts read "N户M人", rates
    "3.23%".
    """
    sentences = (_sentence_overview, _sentence_status, _sentence_projection, bands_sentence)
    return "".join(sentence(metrics) for sentence in sentences)


# ---------------------------------------------------------------- 存在问题


#: What to do about each 存在问题 item, by its code (see :func:`problem_items`). ``{villages}`` reads
#: 该村 or 这些村 and ``{households}`` 该户 or 这些户, by the number the item concerns (:func:`these`).
ACTIONS: dict[str, str] = {
    "collective_economy": "逐村制定集体经济发展计划，盘活村级资源资产，增加村集体收入。",
    "collective_unknown": "组织{villages}补报村集体经济收入。",
    "industry_coverage": "逐户落实产业扶持措施，把尚未覆盖的未脱贫户纳入产业帮扶。",
    "unsafe_houses": "尽快将危房未纳入改造的贫困户纳入危房改造计划，落实改造资金。",
    "villages_infrastructure": "逐村补齐未达到的出列条件，确保按期出列。",
    "villages_high_incidence": "集中力量帮扶{villages}的未脱贫户，逐户落实增收措施。",
    "income_unknown": "入户核实收入，补录收入记录。",
    "food_clothing_ok": "落实低保、特困供养等兜底保障。",
    "education_ok": "落实控辍保学和教育资助，确保适龄儿童不失学辍学。",
    "medical_ok": "落实医保参保、大病救助和家庭医生签约。",
    "housing_ok": "对住房安全未保障的户实施危房改造或易地扶贫搬迁，确保住房安全。",
    "water_ok": "实施饮水安全工程，逐户解决饮水问题。",
    "remaining_exceeds_population": "核对{villages}的户籍人口和建档立卡人口数据。",
    "registered_exceeds_population": "核对{villages}的户籍人口和建档立卡人口数据。",
    "exited_village_high_incidence": "巩固提升已出列村的帮扶成果，防止返贫。",
    "deep_poor_not_poor": "核对村表中的贫困村、深度贫困村标识。",
    "registered_after_year": "核实{households}的识别年度。",
    "exited_income_below_line": "复核脱贫真实性，必要时纳入防返贫监测。",
    "exited_income_unknown": "补录脱贫当年的收入记录。",
    "exited_guarantee_gap": "逐户补齐“两不愁三保障”和饮水安全短板。",
    "returned_without_exit": "核对脱贫年度和返贫年度。",
    "estimate_in_closed_year": "将已结账年度的收入改为实际收入。",
    "projection_income_unknown": "入户核实收入，补录收入记录。",
    "no_cadre": "为{households}落实帮扶责任人。",
    "transfer_dependence": "培育产业、稳定务工，帮助{households}建立稳定增收渠道，并纳入防返贫监测。",
    "labour": "对{households}逐户落实低保、特困供养等兜底保障。",
    "possibly_missed": "逐户核实收入和“两不愁三保障”及饮水安全情况，符合条件的及时纳入监测，做到应纳尽纳。",
    "shaky_elimination": "逐户重新评估风险，风险未稳定消除的恢复监测，继续落实帮扶措施。",
}


def these(count: int, one: str, many: str) -> str:
    """``one`` for a single item, ``many`` for more: number agreement in a sentence.

    >>> these(1, "该村", "这些村"), these(3, "该村", "这些村")
    ('该村', '这些村')
    """
    return one if int(count) == 1 else many


def _action(code: str, count: int) -> str:
    """The :data:`ACTIONS` text of `code`, agreeing with the number of villages or households it concerns."""
    return ACTIONS.get(code, "").format(villages=these(count, "该村", "这些村"),
                                        households=these(count, "该户", "这些户"))


#: The leader's wording of each consistency warning (fupin.figures.checks), from its count alone:
#: the warning's own message names codes and stays in the workbook and the logs.
WARNING_PROBLEMS: dict[str, str] = {
    "remaining_exceeds_population": "村人口数据有误。{n}个村未脱贫人口多于户籍人口。",
    "registered_exceeds_population": "村人口数据有误。{n}个村建档立卡人口多于户籍人口。",
    "exited_village_high_incidence": "已出列村脱贫成果有待巩固。{n}个已出列贫困村{year}年底贫困发生率仍不低于出列标准。",
    "deep_poor_not_poor": "贫困村标识有误。{n}个村标为深度贫困村却不是贫困村。",
    "registered_after_year": "识别年度需要核实。{n}户识别年度晚于{year}年，未计入{year}年底的统计。",
    "exited_income_below_line": "脱贫质量有待复核。{n}户已脱贫户脱贫当年人均纯收入低于贫困线。",
    "exited_income_unknown": "已脱贫户收入记录不全。{n}户已脱贫户没有脱贫当年及以前的收入记录。",
    "exited_guarantee_gap": "已脱贫户保障仍有短板。{n}户已脱贫户仍有“两不愁三保障”或饮水安全未保障。",
    "returned_without_exit": "返贫记录需要核对。{n}户有返贫年度，却没有早于它的脱贫年度。",
    "estimate_in_closed_year": "收入记录口径不一。{n}条{year}年及以前（已结账年度）的收入记录标为预计收入。",
    "projection_income_unknown": "未脱贫户收入底数不清。{n}户未脱贫户没有{target}年及以前的收入记录，无法测算能否脱贫。",
    "no_cadre": "帮扶责任未全覆盖。{n}户未脱贫户没有帮扶责任人。",
}

#: The list of codes a consistency warning's message ends with ("…：户9901…、…", "…：村9901…（李家台村）").
_ID_LIST = re.compile(r"[：:][户村].*$")

#: Warnings that say again what an earlier item already says (warning code -> item code).
_SAME_AS: dict[str, str] = {"projection_income_unknown": "income_unknown"}


#: A found problem: its code, its text (a short judgement, then the figures) and how many
#: villages or households it concerns (for the number agreement of its action).
Found = tuple[str, str, int]


def _some(count: int, kind: str) -> str:
    """个别 for one village or household, 部分 for more."""
    return these(count, "个别", "部分") + kind


def _problem_villages(metrics: Metrics) -> list[Found]:
    """Poor villages below the threshold in T but blocked by venue or road; and
    those whose incidence stays at or above it."""
    projection = metrics.get("projection") or {}
    blocked = {str(k): list(v) for k, v in (projection.get("villages_blocked") or {}).items()}
    threshold = _threshold(metrics)
    limit = formats.fmt_pct_short(threshold) if threshold is not None else "出列标准"
    infra = {vid: [c for c in codes if c != "incidence"] for vid, codes in blocked.items() if "incidence" not in codes}
    count_below = len(projection.get("villages_below_threshold") or [])
    target, whole = metrics.get("target_year"), whole_area(metrics)
    out: list[Found] = []
    if infra:
        groups: dict[tuple[str, ...], list[str]] = {}
        for vid, codes in infra.items():
            groups.setdefault(tuple(codes), []).append(vid)
        labelled = [("、".join(_village_names(metrics, ids)), "、".join(style.blocker_label(c) for c in codes))
                    for codes, ids in groups.items()]
        names_all = "、".join(_village_names(metrics, list(infra)))
        if len(infra) == count_below:  # every village below the threshold is blocked
            below = these(count_below, names_all, f"有{count_below}个贫困村（{names_all}）")
            which = "" if count_below == 1 else "这些村"
        else:
            below = f"有{count_below}个贫困村"
            which = "其中" + these(len(infra), names_all, f"{len(infra)}个村（{names_all}）")
        if len(labelled) == 1:
            detail = f"{which}{labelled[0][1]}"
        else:
            detail = "其中" + "；".join(f"{names}（{labels}）" for names, labels in labelled)
        out.append(("villages_infrastructure",
                    f"{_some(len(infra), '贫困村')}出列条件未达标。{target}年{whole}{below}贫困发生率预计降到"
                    f"{limit}以下，但{detail}，暂不具备出列条件。", len(infra)))
    high = [vid for vid, codes in blocked.items() if "incidence" in codes]
    if high:
        names = "、".join(_village_names(metrics, high))
        which = these(len(high), f"未出列贫困村{names}", f"未出列贫困村中有{len(high)}个村（{names}）")
        out.append(("villages_high_incidence",
                    f"{_some(len(high), '贫困村')}脱贫任务仍然较重。{which}{target}年贫困发生率预计仍在{limit}以上。",
                    len(high)))
    return out


#: Each failing guarantee as a 存在问题 item: a short judgement, then the count of the remaining
#: households it concerns (``{hp}``, "4户5人"); the sentences vary as a clerk's would.
GUARANTEE_SENTENCES: dict[str, str] = {
    "food_clothing_ok": "兜底保障仍有缺口，未实现不愁吃穿的未脱贫户尚有{hp}。",
    "education_ok": "教育保障存在短板。未脱贫户中有{hp}义务教育保障尚未落实。",
    "medical_ok": "基本医疗保障不够到位，涉及未脱贫户{hp}。",
    "housing_ok": "住房安全仍有隐患，住房安全尚无保障的未脱贫户还有{hp}。",
    "water_ok": "饮水安全尚未全面达标。未脱贫户中仍有{hp}饮水安全未保障。",
}


def _problem_guarantees(metrics: Metrics) -> list[Found]:
    """One item per household guarantee that fails for some remaining household."""
    reasons = (metrics.get("projection") or {}).get("reasons") or {}
    out = []
    for code in contract.GUARANTEES:
        households, _ = _hp(reasons.get(code))
        if households:
            out.append((code, GUARANTEE_SENTENCES[code].format(hp=fmt_hh_people(reasons[code])), households))
    return out


def _problem_collective(metrics: Metrics) -> list[Found]:
    """一是乡村集体经济较弱: the weak villages named (poor ones counted), the unknown ones counted."""
    ce = metrics.get("collective_economy")
    if not ce:
        return []
    whole, line = whole_area(metrics), formats.fmt_wan(ce.get("line"))
    weak = list(ce.get("weak_villages") or [])
    poor = int((ce.get("weak") or {}).get("poor") or 0)
    unknown = int(ce.get("unknown") or 0)
    if weak:
        names = _named(metrics, weak)
        text = "乡村集体经济较弱。" + these(len(weak), f"{names}的集体经济收入低于{line}",
                                          f"{whole}有{len(weak)}个村的集体经济收入低于{line}（{names}）")
        if len(weak) > 1:
            text += f"，其中贫困村{poor}个" if poor else "，均为非贫困村"
        else:
            text += "，为贫困村" if poor else "，为非贫困村"
        if unknown:
            text += f"；此外还有{unknown}个村未填报村集体经济收入"
        return [("collective_economy", text + "。", len(weak))]
    if unknown:
        names = _named(metrics, ce.get("unknown_villages") or [])
        return [("collective_unknown",
                 "村集体经济底数不清。" + these(unknown, names, f"{whole}有{unknown}个村（{names}）")
                 + "未填报村集体经济收入，无法判断集体经济是否达标。", unknown)]
    return []


def _problem_industry(metrics: Metrics) -> list[Found]:
    """二是脱贫产业支撑不足: the area's coverage and the villages below the line, named."""
    ic = metrics.get("industry_coverage")
    if not ic:
        return []
    below = list(ic.get("below_villages") or [])
    if not below and not ic.get("below"):
        return []
    known, covered = _hp(ic.get("known"))[0], _hp(ic.get("covered"))[0]
    text = (f"脱贫产业支撑不足，产业覆盖不够全面。{whole_area(metrics)}未脱贫户产业帮扶覆盖率为"
            f"{formats.fmt_pct_short(ic.get('share'))}（{formats.fmt_int(covered)}户/{formats.fmt_int(known)}户）")
    if below:
        line = formats.fmt_pct_short(ic.get("line"))
        names = _named(metrics, below)
        text += these(len(below), f"，{names}覆盖率低于{line}", f"，有{len(below)}个村覆盖率低于{line}（{names}）")
    return [("industry_coverage", text + "。", len(below))]


def _problem_livelihood(metrics: Metrics) -> list[Found]:
    """二是持续增收机制还不够完善 (exits resting on transfers) and 四是致富本领不强 (remaining
    households without labour), each when its count is not zero."""
    out: list[Found] = []
    td = metrics.get("transfer_dependence") or {}
    exited, projected = td.get("exited"), td.get("projected_exits")
    if _hp(exited)[0] or _hp(projected)[0]:
        line = fmt_yuan((metrics.get("parameters") or {}).get("poverty_line"))
        parts = [f"{fmt_hh_people(exited)}脱贫户"] if _hp(exited)[0] else []
        if _hp(projected)[0]:
            parts.append(f"{fmt_hh_people(projected)}预计{metrics.get('target_year')}年脱贫户")
        text = (f"贫困户持续增收机制还不够完善。{whole_area(metrics)}有{'、'.join(parts)}收入主要依靠转移性收入"
                f"（扣除转移性收入后{td.get('year')}年人均纯收入低于{line}）")
        if td.get("transfer_share") is not None:
            text += f"；转移性收入占建档立卡户总收入的{formats.fmt_pct(td['transfer_share'])}"
        out.append(("transfer_dependence", text + "。", _hp(exited)[0] + _hp(projected)[0]))
    without = (metrics.get("labour") or {}).get("without_labour")
    if _hp(without)[0]:
        out.append(("labour", f"{_some(_hp(without)[0], '贫困户')}致富本领不强。{whole_area(metrics)}未脱贫户中有"
                              f"{fmt_hh_people(without)}家中无劳动力，难以依靠务工和产业增收脱贫。", _hp(without)[0]))
    return out


def _problem_warnings(metrics: Metrics) -> list[Found]:
    """The consistency warnings in a leader's words: a count, never a list of codes."""
    out = []
    for warning in metrics.get("warnings") or []:
        code = str(warning.get("code") or "")
        template = WARNING_PROBLEMS.get(code)
        count = int(warning.get("count") or 0)
        if template is not None:
            text = template.format(n=formats.fmt_int(warning.get("count")), year=metrics.get("year"),
                                   target=metrics.get("target_year"))
        elif warning.get("message"):  # a finding without our wording: its message, the code list cut off
            message = str(warning["message"])
            cut = _ID_LIST.sub("", message)
            text = message if cut == message else cut.rstrip("。；，") + "。"
        else:
            continue
        out.append((code, text, count))
    return out


def _villages_with(metrics: Metrics, key: str) -> list[str]:
    """The ids of the villages whose registry count ``key`` is not zero, in id order."""
    villages = (metrics.get("registry") or {}).get("villages") or {}
    return [vid for vid, row in villages.items() if _hp(row.get(key))[0]]


def _problem_registry(metrics: Metrics) -> list[Found]:
    """应纳未纳 and 风险消除不稳 from the monitoring registry (none without one), villages named."""
    reg = metrics.get("registry")
    if not reg:
        return []
    year, line, whole = reg.get("year"), fmt_yuan(reg.get("line")), whole_area(metrics)
    gaps = "“两不愁三保障”及饮水安全未保障"
    out = []
    missed = reg.get("possibly_missed")
    if _hp(missed)[0]:
        out.append(("possibly_missed",
                    f"防返贫监测存在应纳未纳风险。{whole}有{fmt_hh_people(missed)}已脱贫户未在监测（从未纳入或风险已消除），"
                    f"但{year}年人均纯收入低于监测收入线{line}或{gaps}"
                    f"（{_named(metrics, _villages_with(metrics, 'possibly_missed'))}）。", _hp(missed)[0]))
    shaky = reg.get("shaky_elimination")
    if _hp(shaky)[0]:
        out.append(("shaky_elimination",
                    f"部分监测对象风险消除不稳。{year}年风险消除的监测对象中，有{fmt_hh_people(shaky)}当年人均纯收入"
                    f"低于监测收入线{line}或{gaps}（{_named(metrics, _villages_with(metrics, 'shaky_elimination'))}）。",
                    _hp(shaky)[0]))
    return out


def problem_items(metrics: Metrics) -> list[tuple[str, str, str]]:
    """The 存在问题 items found in the figures as ``(code, problem, what to do)``, most concrete first.

    Each problem reads as the seed's do: a short judgement ("乡村集体经济较弱。"),
    then its figures. In order, the seed's own two first: weak collective economies (villages
    with a collective income below the line, named, and those without a
    figure counted; "一是乡村集体经济较弱"; ``collective_economy``, or
    ``collective_unknown`` when no village is known to be weak); industry
    coverage below the line (the area's share, the villages below it named;
    "二是脱贫产业支撑不足"; left out when the households table has no
    industry_support column; ``industry_coverage``); exits and projected
    exits resting on transfers ("二是持续增收机制还不够完善";
    ``transfer_dependence``) and remaining households without labour
    ("四是致富本领不强"; ``labour``), each when not zero; then registered
    households in unsafe houses (grade C/D) outside the
    renovation programme (``unsafe_houses``); poor villages below the
    threshold in T but blocked by venue or road, named
    (``villages_infrastructure``), and those whose incidence stays above it
    (``villages_high_incidence``); registered households whose income in T
    is unknown (``income_unknown``); remaining households failing each
    guarantee (the guarantee's code, :data:`GUARANTEE_SENTENCES`); then each consistency warning, counted
    (its code, :data:`WARNING_PROBLEMS`; a warning without our wording keeps
    its message with the code list cut off). Each problem appears once: a
    warning that repeats an earlier item is left out, and so is a repeated
    text. No household or village code is named. ``what to do`` comes from
    :data:`ACTIONS`, in the number of what it concerns (该村 / 这些村). Empty when nothing was found.

    >>> problem_items({"township_id": "1", "township_name": "城关镇", "year": 2018, "target_year": 2019,
    ...     "unsafe_houses_outside_program": {"households": 20, "people": 41}})[0][:2]
    ('unsafe_houses', '危房改造尚有缺口。全镇尚有20户贫困户的危房没有纳入危房改造。')
    """
    whole = whole_area(metrics)
    found: list[Found] = [*_problem_collective(metrics), *_problem_industry(metrics), *_problem_livelihood(metrics)]
    unsafe_hh, _ = _hp(metrics.get("unsafe_houses_outside_program"))
    if unsafe_hh:
        found.append(("unsafe_houses",
                      f"危房改造尚有缺口。{whole}尚有{formats.fmt_int(unsafe_hh)}户贫困户的危房没有纳入危房改造。",
                      unsafe_hh))
    found += _problem_villages(metrics)
    unknown = metrics.get("income_unknown")
    if _hp(unknown)[0]:
        found.append(("income_unknown",
                      f"{_some(_hp(unknown)[0], '贫困户')}收入底数不清。{whole}有{fmt_hh_people(unknown)}"
                      f"{metrics.get('target_year')}年收入情况不明，无法预测能否脱贫。", _hp(unknown)[0]))
    found += _problem_guarantees(metrics)
    found += _problem_registry(metrics)
    found += _problem_warnings(metrics)
    codes = {code for code, _, _ in found}
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for code, text, count in found:
        if _SAME_AS.get(code) in codes or text in seen:
            continue
        seen.add(text)
        out.append((code, text, _action(code, count)))
    return out


def problems(metrics: Metrics) -> list[str]:
    """The 存在问题 items as sentences: each problem once, with its count (what to do about
    them is the 下一步工作打算, :func:`fupin.report.brief.measures`).

    >>> problems({"township_id": "1", "township_name": "城关镇", "year": 2018, "target_year": 2019,
    ...     "unsafe_houses_outside_program": {"households": 20, "people": 41}})
    ['危房改造尚有缺口。全镇尚有20户贫困户的危房没有纳入危房改造。']
    """
    return [text for _, text, _ in problem_items(metrics)]


# ---------------------------------------------------------------- 脱贫退出预测


def exit_outlook(metrics: Metrics) -> str:
    """A short sentence for the 脱贫退出预测 section: who exits in T and what remains.

    Households exit when income(h, T) >= the poverty line and the five
    guarantees hold; villages when their projected incidence is below V and
    venue and road are up to standard.
    """
    projection = metrics.get("projection") or {}
    params = metrics.get("parameters") or {}
    target = metrics.get("target_year")
    remaining_hh, _ = _hp(metrics.get("remaining"))
    if not remaining_hh:
        return f"{metrics.get('year')}年底{whole_area(metrics)}建档立卡贫困人口已全部脱贫，{target}年无待脱贫人口。"
    exits_hh, _ = _hp(projection.get("exits"))
    lead = (f"按人均纯收入{fmt_yuan(params.get('poverty_line'))}的标准和“两不愁三保障”及饮水安全要求测算，"
            f"{target}年{whole_area(metrics)}")
    if exits_hh:
        lead += f"拟脱贫人口{fmt_hh_people(projection.get('exits'))}，"
    else:
        lead += "暂无贫困人口达到退出标准，"
    lead += (f"仍未脱贫{fmt_hh_people(projection.get('remaining'))}，"
             f"贫困发生率由{fmt_pct_short(metrics.get('incidence'))}预计降至{fmt_pct_short(projection.get('incidence'))}")
    exiting = list(projection.get("villages_exiting") or [])
    blocked = projection.get("villages_blocked") or {}
    if exiting:
        lead += f"；拟出列贫困村{len(exiting)}个（{'、'.join(_village_names(metrics, exiting))}）"
    if blocked:
        lead += f"，另有{len(blocked)}个贫困村暂不具备出列条件" if exiting else f"；{len(blocked)}个贫困村暂不具备出列条件"
    return lead + "。"


# ---------------------------------------------------------------- 村集体经济, 产业帮扶


def collective_economy_summary(metrics: Metrics) -> str:
    """The 村集体经济 paragraph: the line, the weak villages (poor and non-poor apart, named),
    the villages without a figure, and whether the line is an exit condition in this run.

    A village is weak when its collective income is below the line (exactly
    the line is not weak); empty text when the metrics have no figures.
    """
    ce = metrics.get("collective_economy")
    if not ce:
        return ""
    whole, line = whole_area(metrics), formats.fmt_wan(ce.get("line"))
    total = int((metrics.get("villages") or {}).get("total") or 0)
    weak = ce.get("weak") or {}
    poor, non_poor = int(weak.get("poor") or 0), int(weak.get("non_poor") or 0)
    text = f"按村集体经济收入{line}的标准，{whole}{total}个行政村中"
    if poor + non_poor:
        text += (f"集体经济薄弱村{poor + non_poor}个（贫困村{poor}个、非贫困村{non_poor}个）："
                 f"{_named(metrics, ce.get('weak_villages') or [])}。")
    else:
        text += "没有集体经济薄弱村。"
    if ce.get("unknown"):
        text += f"另有{ce['unknown']}个村（{_named(metrics, ce.get('unknown_villages') or [])}）未填报村集体经济收入。"
    if (metrics.get("parameters") or {}).get("collective_income_exit"):
        text += "本次测算把村集体经济收入达标作为贫困村出列条件：集体经济薄弱或未填报的未出列贫困村暂不具备出列条件。"
    return text


def industry_coverage_summary(metrics: Metrics) -> str:
    """The 产业帮扶 paragraph: remaining households covered by industry support, area and villages.

    One line saying the figures are not reported when the households table
    has no industry_support column (``industry_coverage`` is None).
    """
    ic = metrics.get("industry_coverage")
    if ic is None:
        return "户表中没有「产业帮扶」列，本报告不统计产业帮扶覆盖情况。"
    whole, year = whole_area(metrics), metrics.get("year")
    if not _hp(ic.get("known"))[0]:
        text = f"{year}年底{whole}未脱贫户均未填报是否享受产业帮扶，无法计算产业帮扶覆盖率。"
        return text if _hp(ic.get("unknown"))[0] else f"{year}年底{whole}没有未脱贫户，不计算产业帮扶覆盖率。"
    line = formats.fmt_pct_short(ic.get("line"))
    text = (f"{year}年底{whole}未脱贫户中填报了产业帮扶情况的有{fmt_hh_people(ic.get('known'))}，"
            f"其中享受产业帮扶的{fmt_hh_people(ic.get('covered'))}，覆盖率{fmt_pct_short(ic.get('share'))}"
            f"（按人计{fmt_pct_short(ic.get('share_people'))}）。")
    below = list(ic.get("below_villages") or [])
    if below:
        shares = {str(v.get("village_id")): v.get("industry_share") for v in metrics.get("villages_table") or []}
        named = [f"{name}（{fmt_pct_short(shares.get(str(vid)))}）"
                 for vid, name in zip(below, _village_names(metrics, below))]
        shown = "、".join(named[:NAMED_VILLAGES]) + (f"等{len(named)}个村" if len(named) > NAMED_VILLAGES else "")
        text += f"覆盖率低于{line}的村有{len(below)}个：{shown}。"
    else:
        text += f"各村覆盖率均不低于{line}。"
    if _hp(ic.get("unknown"))[0]:
        text += f"另有{fmt_hh_people(ic.get('unknown'))}未填报是否享受产业帮扶，未计入覆盖率。"
    return text


# ---------------------------------------------------------------- 贫困深度, 敏感性, 防返贫监测


#: The poverty-depth indices in a leader's words: each one's Chinese name and what it measures.
DEPTH_NAMES: dict[str, tuple[str, str]] = {
    "fgt1": ("贫困缺口指数", "收入低于贫困线的人距贫困线的平均差距"),
    "fgt2": ("贫困强度指数", "差距越大的人权重越高，反映最困难群体的困难程度"),
    "watts": ("瓦茨指数", "按收入对数计算，对最低收入的变化最敏感"),
}


def depth_explained() -> str:
    """One line that says what each depth index measures (the 贫困深度 table's note).

    >>> depth_explained().startswith("贫困缺口指数：收入低于贫困线的人距贫困线的平均差距")
    True
    """
    return "；".join(f"{name}：{meaning}" for name, meaning in DEPTH_NAMES.values()) + "。各指数均以户籍人口为分母。"


def depth_summary(metrics: Metrics) -> str:
    """The 贫困深度 paragraph: who is below the line, FGT0/1/2 and Watts (by their Chinese names,
    :data:`DEPTH_NAMES`), and the money needed.

    The denominator (the area's registered population) is named; the total
    income gap reads "需要资金约N万元才能使全部未脱贫人口达到贫困线". Remaining
    households with an unknown income are named as left out; incomes of 0
    yuan as counted at 1 yuan in the Watts index.
    """
    d = metrics.get("depth") or {}
    whole, target = whole_area(metrics), metrics.get("target_year")
    line, pop = fmt_yuan(d.get("poverty_line")), formats.fmt_people(d.get("population"))
    poor_hh, poor_people = _hp(d.get("poor"))
    if not poor_hh:
        text = f"按{target}年预计收入，{whole}未脱贫人口中没有收入低于贫困线{line}的，各项贫困深度指数均为0。"
    else:
        text = (f"按{target}年预计收入，{whole}收入低于贫困线{line}的未脱贫人口有{fmt_hh_people(d.get('poor'))}，"
                f"占户籍人口的{fmt_pct_short(d.get('fgt0'))}；{DEPTH_NAMES['fgt1'][0]}为{formats.fmt_index(d.get('fgt1'))}，"
                f"{DEPTH_NAMES['fgt2'][0]}为{formats.fmt_index(d.get('fgt2'))}，"
                f"{DEPTH_NAMES['watts'][0]}为{formats.fmt_index(d.get('watts'))}"
                f"（各指数均以{whole}户籍人口{pop}为分母）。"
                f"需要资金约{formats.fmt_wan(d.get('income_gap'))}才能使全部未脱贫人口达到贫困线"
                f"（收入低于贫困线的{formats.fmt_people(poor_people)}每人补足到{line}）。")
    if _hp(d.get("income_unknown"))[0]:
        text += f"另有{fmt_hh_people(d.get('income_unknown'))}{target}年收入情况不明，未计入以上指数。"
    if d.get("watts_floored"):
        text += f"其中{d['watts_floored']}户预计收入不足1元，{DEPTH_NAMES['watts'][0]}按1元计算。"
    return text


def _sensitivity_point(sens: Mapping[str, Any], line: float) -> Mapping[str, Any] | None:
    """The point of the run's growth rate at ``line`` (None when not on the grid)."""
    growth = float(sens.get("growth") or 0)
    return next((p for p in sens.get("points") or []
                 if float(p["growth"]) == growth and float(p["line"]) == float(line)), None)


def sensitivity_summary(metrics: Metrics) -> str:
    """The 贫困线敏感性 paragraph: the projection at L, at L ± 500 yuan, and who sits near the line."""
    sens = metrics.get("sensitivity") or {}
    if not sens.get("points"):
        return ""
    target, line = metrics.get("target_year"), float(sens.get("poverty_line") or 0)
    here = _sensitivity_point(sens, line)
    parts = [f"按贫困线{fmt_yuan(line)}、收入年增长{formats.fmt_pct_short(sens.get('growth'))}测算，"
             f"{target}年预计贫困发生率为{fmt_pct_short(here['incidence'] if here else None)}。"]
    for delta, verb in ((500, "提高到"), (-500, "降到")):
        point = _sensitivity_point(sens, line + delta)
        if point is not None:
            parts.append(f"若贫困线{verb}{fmt_yuan(line + delta)}，预计贫困发生率为{fmt_pct_short(point['incidence'])}"
                         f"（拟脱贫{formats.fmt_people(point['exits_people'])}）；")
    near = sens.get("near_line") or {}
    if near:
        share = formats.fmt_pct_short(near.get("share"))
        parts.append(f"收入在贫困线上下{share}以内的未脱贫户中，低于贫困线的{fmt_hh_people(near.get('below'))}"
                     f"（收入稍有增加即可脱贫），高于贫困线的{fmt_hh_people(near.get('above'))}（收入稍有下降即难以脱贫）。")
    return "".join(parts).replace("；收入", "。收入")


def monitoring_summary(metrics: Metrics) -> str:
    """The 防返贫监测 paragraph: the monitoring line used (and why) and the households to monitor."""
    mo = metrics.get("monitoring") or {}
    if not mo:
        return ""
    year, target = metrics.get("year"), metrics.get("target_year")
    source = {
        "default": f"未设定监测收入线，按贫困线{fmt_yuan(mo.get('poverty_line'))}的1.5倍确定",
        "given": "按设定的监测收入线",
        "table": f"按{mo.get('line_table_year')}年的监测收入线",
    }.get(str(mo.get("line_source")), "")
    share = formats.fmt_pct_short(mo.get("income_drop_share"))
    text = f"防返贫监测收入线为{fmt_yuan(mo.get('line'))}/人·年（{source}）。"
    if not _hp(mo.get("monitored"))[0]:
        text += f"{year}年底已脱贫的{fmt_hh_people(mo.get('exited'))}中，未发现{target}年收入低于监测线或较脱贫当年下降超过{share}的户。"
    else:
        below, drop = _hp(mo.get("below_line"))[0], _hp(mo.get("income_drop"))[0]
        parts = [f"{target}年收入低于监测线的{fmt_hh_people(mo.get('below_line'))}" if below
                 else f"{target}年收入均不低于监测线",
                 f"收入较脱贫当年下降超过{share}的{fmt_hh_people(mo.get('income_drop'))}" if drop
                 else f"没有收入较脱贫当年下降超过{share}的户"]
        both = "（一户可同时符合两项）" if below and drop else ""
        text += (f"{year}年底已脱贫的{fmt_hh_people(mo.get('exited'))}中，{'，'.join(parts)}，"
                 f"合计应纳入监测{fmt_hh_people(mo.get('monitored'))}{both}。")
    if _hp(mo.get("income_unknown"))[0]:
        text += f"另有{fmt_hh_people(mo.get('income_unknown'))}{target}年收入情况不明，无法判断。"
    return text


# ---------------------------------------------------------------- 监测对象 (the registry, after 2020)


def monitoring_title(metrics: Metrics) -> str:
    """The monitoring section's name: 防返贫监测 when the data holds the registry, else 收入监测预警
    (the heuristic over exited households' incomes).

    >>> monitoring_title({"registry": {"monitored": {}}}), monitoring_title({"registry": None})
    ('防返贫监测', '收入监测预警')
    """
    return "防返贫监测" if metrics.get("registry") is not None else INCOME_WARNING


#: The heuristic over exited households' incomes, by its name beside the monitoring registry.
INCOME_WARNING = "收入监测预警"


def income_warning_list(metrics: Metrics) -> str:
    """The name of the cadres' list of the households the income warning picks (``monitoring.monitored``):
    监测户, or 收入监测预警 when the data holds the registry, whose 监测对象 are the monitored households.

    >>> income_warning_list({"registry": None}), income_warning_list({"registry": {"monitored": {}}})
    ('监测户', '收入监测预警')
    """
    return "监测户" if metrics.get("registry") is None else INCOME_WARNING


def _registry_lines(reg: Mapping[str, Any]) -> str:
    """The monitoring lines of Y and T as one clause."""
    year, target = reg.get("year"), reg.get("target_year")
    line, target_line = reg.get("line"), reg.get("target_line")
    if line == target_line:
        return f"防返贫监测收入线为{fmt_yuan(line)}/人·年"
    return f"防返贫监测收入线{year}年为{fmt_yuan(line)}/人·年、{target}年为{fmt_yuan(target_line)}/人·年"


def registry_summary(metrics: Metrics) -> str:
    """The 防返贫监测 paragraph from the registry, in the seed's voice.

    "全镇共有监测对象X户X人，其中脱贫不稳定户…；年内新识别…，风险消除…": monitored(Y) by type,
    identified and eliminated in Y (and returned), the main risks, the lines, the projected
    elimination in T with the reasons of the others, and the 应纳未纳 and 风险消除不稳 counts.

    >>> m = {"township_id": "1", "township_name": "城关镇", "registry": {
    ...     "year": 2021, "target_year": 2022, "line": 6000, "target_line": 6300,
    ...     "monitored": {"households": 4, "people": 9}, "by_type": {"脱贫不稳定户": {"households": 2, "people": 5},
    ...     "边缘易致贫户": {"households": 2, "people": 4}, "突发严重困难户": {"households": 0, "people": 0}},
    ...     "newly_identified": {"households": 3, "people": 6}, "eliminated": {"households": 1, "people": 4},
    ...     "by_risk": {"因病": {"households": 2, "people": 6}}, "projected_elimination": {"households": 1, "people": 3},
    ...     "not_projected": {"households": 3, "people": 6}, "reasons": {"income_short": {"households": 3, "people": 6}}}}
    >>> registry_summary(m).split("。")[0]
    '2021年底，全镇共有监测对象4户9人，其中脱贫不稳定户2户5人、边缘易致贫户2户4人；2021年内新识别监测对象3户6人，风险消除1户4人'
    """
    reg = metrics.get("registry")
    if not reg:
        return ""
    year, target, whole = reg.get("year"), reg.get("target_year"), whole_area(metrics)
    by_type = reg.get("by_type") or {}  # in the contract's order, however metrics.json orders its keys
    types = [f"{t}{fmt_hh_people(by_type.get(t))}" for t in contract.MONITOR_TYPES if _hp(by_type.get(t))[0]]
    if _hp(reg.get("monitored"))[0]:
        text = f"{year}年底，{whole}共有监测对象{fmt_hh_people(reg.get('monitored'))}，其中" + "、".join(types)
    else:
        text = f"{year}年底，{whole}没有风险未消除的监测对象"
    new, gone = reg.get("newly_identified"), reg.get("eliminated")
    text += (f"；{year}年内新识别监测对象{fmt_hh_people(new)}" if _hp(new)[0] else f"；{year}年内没有新识别监测对象")
    text += (f"，风险消除{fmt_hh_people(gone)}" if _hp(gone)[0] else "，没有风险消除的监测对象")
    if _hp(reg.get("returned"))[0]:
        text += f"，返贫{fmt_hh_people(reg.get('returned'))}"
    text += "。"
    risks = sorted(((r, c) for r, c in (reg.get("by_risk") or {}).items() if _hp(c)[0]),
                   key=lambda rc: (-_hp(rc[1])[0], -_hp(rc[1])[1]))
    if risks:
        text += "监测对象的主要风险（一户可有多项）为" + "、".join(f"{r}（{fmt_hh_people(c)}）" for r, c in risks[:3]) + "。"
    if _hp(reg.get("monitored"))[0]:
        text += f"{_registry_lines(reg)}。按{target}年监测收入线和“两不愁三保障”及饮水安全要求测算，"
        done = reg.get("projected_elimination")
        text += (f"{target}年预计可消除风险的{fmt_hh_people(done)}" if _hp(done)[0] else f"{target}年暂无预计可消除风险的监测对象")
        if _hp(reg.get("not_projected"))[0]:
            reasons = reg.get("reasons") or {}
            why = [f"{label}的{fmt_hh_people(reasons.get(code))}" for code, label in (
                ("income_short", f"收入低于监测收入线{fmt_yuan(reg.get('target_line'))}"), ("income_unknown", "收入情况不明"),
                *((g, GUARANTEE_PROBLEMS[g]) for g in contract.GUARANTEES)) if _hp(reasons.get(code))[0]]
            text += f"；其余{fmt_hh_people(reg.get('not_projected'))}中，" + "，".join(why)
        text += "。"
    else:
        text += f"{_registry_lines(reg)}。"
    flags = [f"可能应纳未纳的已脱贫户{fmt_hh_people(reg.get('possibly_missed'))}" if _hp(reg.get("possibly_missed"))[0] else "",
             f"{year}年风险消除不稳的{fmt_hh_people(reg.get('shaky_elimination'))}" if _hp(reg.get("shaky_elimination"))[0]
             else ""]
    flags = [f for f in flags if f]
    if flags:
        text += "经比对收入和“两不愁三保障”情况，发现" + "、".join(flags) + "，见存在问题。"
    return text
