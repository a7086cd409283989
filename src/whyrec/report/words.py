"""Every word of the runs report (``whyrec report --lang``, the analyst view's body) in English and Chinese.

Format strings use ``{name}`` (`whyrec.report.page` fills them); the keys are the same in every language.
Metric names (``ndcg@10``), run, model and method names, numbers and the cutoff symbol ``K`` stay as they are
in every language. Attribute names and values of user groups come from `whyrec.explain.text.card`, as on the
shopper's page.
"""

from __future__ import annotations

from whyrec.evaluate.groups import ACTIVITY
from whyrec.explain.explanation import Lang
from whyrec.explain.text.card import attribute_name, attribute_value

__all__ = ["REPORT_WORDS", "group_label", "grouping_name"]

REPORT_WORDS: dict[Lang, dict[str, str]] = {
    Lang.EN: {
        "title": "whyrec report: {folder}",
        "heading": "whyrec report",
        "made": "{n} run(s) in {folder}; made {made} by whyrec {version}",
        "runs_in": "runs in {folder}",
        "run": "run",
        "fit_s": "fit s",
        "vs_best": "vs best ({metric})",
        "best": "best",
        "not_significant": "n.s.",
        "no_difference": "no difference",
        "vs_best_note": "vs best: the paired Wilcoxon signed-rank test of each run against the best run of the same "
                        "split on per-user {metric} (* p < {alpha}; n.s. not significant).",
        "ranking": "ranking",
        "trust": "trust and explanations",
        "nothing_yet": "No calibration or explanation evaluation in these runs yet: run `whyrec calibrate RUN` and "
                       "`whyrec explain-eval RUN --out RUN/explain-eval`.",
        "comparison": "model comparison @{k}",
        "comparison_note": "test metrics of each run at K = {k} ({protocol})",
        "split": "split",
        "at_k_note": "{metric} at each cutoff K",
        "exposure": "popularity bias and exposure @{k}",
        "exposure_note": "coverage: share of the catalog recommended to someone; novelty: mean self-information "
                         "(bits) of recommended items; diversity: intra-list dissimilarity",
        "by_group": "{metric} by {grouping}",
        "group_note": "mean test {metric} per user group ({what}): gaps show who the model serves worse",
        "activity_what": "history length on the fitted data, in tertiles",
        "attribute_what": "the users' {grouping} attribute",
        "calibration": "calibration: {run}",
        "calibration_note": "reliability on test; ECE {ece:.4f}, horizon {horizon} picks ({method})",
        "confidence": "confidence",
        "observed": "observed",
        "bin": "confidence {confidence:.3f}, observed {accuracy:.3f}, {count:.0f} pairs",
        "explanations": "explanations: {run}",
        "explanations_note": "deletion AUC (the mean share of the score lost as the top evidence is removed; higher "
                             "is more faithful), insertion AUC (the mean share recovered from the top evidence "
                             "alone; higher is better), sufficiency, counterfactual validity; {users} users x top {k}",
        "deletion_curve": "deletion curve: {run}",
        "deletion_curve_note": "mean share of the score lost after removing the top 1, 2, ... evidence items "
                               "(a faithful method rises fast)",
        "insertion_curve": "insertion curve: {run}",
        "insertion_curve_note": "mean share of the score recovered from the top 1, 2, ... evidence items alone "
                                "(a faithful method rises fast)",
        "removed": "evidence items removed",
        "inserted": "evidence items kept",
        "latency": "explanation latency (ms): {run}",
        "latency_note": "milliseconds per explained item, median and 95th percentile",
        "validity": "retrain validity: {run}",
        "validity_note": "share of counterfactuals that hold when re-scored, and when the model is refitted from "
                         "scratch without those interactions",
        "activity": "activity",
        "low": "low",
        "mid": "mid",
        "high": "high",
        "unknown": "unknown",
    },
    Lang.ZH: {
        "title": "whyrec 报告：{folder}",
        "heading": "whyrec 报告",
        "made": "{folder} 中的 {n} 个运行记录；由 whyrec {version} 于 {made} 生成",
        "runs_in": "{folder} 中的运行记录",
        "run": "运行记录",
        "fit_s": "训练秒数",
        "vs_best": "与最佳相比（{metric}）",
        "best": "最佳",
        "not_significant": "不显著",
        "no_difference": "无差异",
        "vs_best_note": "与最佳相比：在每位用户的 {metric} 上，用配对 Wilcoxon 符号秩检验比较每个运行记录与同一划分中"
                        "最好的运行记录（* 表示 p < {alpha}；“不显著”表示差异不显著）。",
        "ranking": "排序效果",
        "trust": "可信度与解释",
        "nothing_yet": "这些运行记录还没有校准或解释评估：请运行 `whyrec calibrate RUN` 和 "
                       "`whyrec explain-eval RUN --out RUN/explain-eval`。",
        "comparison": "模型对比 @{k}",
        "comparison_note": "各运行记录在 K = {k} 时的测试指标（{protocol}）",
        "split": "划分",
        "at_k_note": "{metric} 在各截断 K 处的值",
        "exposure": "热度偏差与曝光 @{k}",
        "exposure_note": "覆盖率：被推荐给至少一位用户的商品占目录的比例；新颖度：推荐商品的平均自信息（比特）；"
                         "多样性：列表内的差异度",
        "by_group": "按{grouping}分组的 {metric}",
        "group_note": "每个用户组的平均测试 {metric}（{what}）：差距说明模型对谁服务得更差",
        "activity_what": "拟合数据上的历史长度，按三分位分组",
        "attribute_what": "用户的{grouping}属性",
        "calibration": "校准：{run}",
        "calibration_note": "测试集上的可靠性；ECE {ece:.4f}，范围为接下来的 {horizon} 次选择（{method}）",
        "confidence": "置信度",
        "observed": "实测命中率",
        "bin": "置信度 {confidence:.3f}，实测 {accuracy:.3f}，{count:.0f} 对",
        "explanations": "解释质量：{run}",
        "explanations_note": ("删除 AUC（依次去掉最重要的证据后分数平均损失的比例，越高越忠实），"
                              "插入 AUC（只保留最重要的证据时平均恢复的分数比例，越高越好），充分性，反事实有效性；"
                              "{users} 位用户，每人前 {k} 项"),
        "deletion_curve": "删除曲线：{run}",
        "deletion_curve_note": "去掉前 1、2……项证据后分数平均损失的比例（忠实的方法上升得快）",
        "insertion_curve": "插入曲线：{run}",
        "insertion_curve_note": "只保留前 1、2……项证据时平均恢复的分数比例（忠实的方法上升得快）",
        "removed": "去掉的证据项数",
        "inserted": "保留的证据项数",
        "latency": "解释耗时（毫秒）：{run}",
        "latency_note": "每个被解释商品的毫秒数，中位数与第 95 百分位",
        "validity": "重新训练后的有效性：{run}",
        "validity_note": "重新打分时、以及去掉这些交互后从头重新训练模型时，仍然成立的反事实所占比例",
        "activity": "活跃度",
        "low": "低",
        "mid": "中",
        "high": "高",
        "unknown": "未知",
    },
}


def grouping_name(grouping: str, lang: Lang) -> str:
    """A user grouping's name in `lang`: ``activity``, or a user attribute's name."""
    return REPORT_WORDS[lang]["activity"] if grouping == ACTIVITY else attribute_name(grouping, lang)


def group_label(grouping: str, group: str, lang: Lang) -> str:
    """A user group's label in `lang` (``low``/``mid``/``high`` activity, ``unknown``, an attribute's values)."""
    words = REPORT_WORDS[lang]
    if group == "unknown" or (grouping == ACTIVITY and group in ("low", "mid", "high")):
        return words[group]
    return "|".join(attribute_value(grouping, v, lang) for v in group.split("|"))
